#pragma once
// The PostgreSQL schema as an ordered list of migrations: PgDatabase::open applies those a
// database has not had yet, each in its own transaction, under an advisory lock, and records the
// version in the table vidserve_schema.
#include <vector>

namespace vidserve::store {

const std::vector<const char*>& pg_migrations();

}  // namespace vidserve::store
