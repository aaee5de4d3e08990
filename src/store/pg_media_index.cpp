#include <utility>

#include "store/error_codes.hpp"
#include "store/pg_database.hpp"
#include "store/pg_stores.hpp"
#include "store/pg_task_rows.hpp"

namespace vidserve::store {

namespace {

constexpr const char* kSelectMedia =
    "SELECT media_uuid, owner, task_uuid, path, content_type, size_bytes, created_ms, "
    "expires_ms FROM media ";

Error media_not_found(std::string_view media_uuid) {
  return Error{errc::kNotFound, "no media with uuid '" + std::string(media_uuid) + "'"};
}

std::vector<MediaRecord> read_all(const PgResult& rows) {
  std::vector<MediaRecord> out;
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back(MediaRecord{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3),
                              rows.text(i, 4), rows.int64(i, 5), rows.int64(i, 6),
                              rows.int64(i, 7)});
  }
  return out;
}

}  // namespace

PgMediaIndex::PgMediaIndex(std::shared_ptr<PgDatabase> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Status PgMediaIndex::put(MediaRecord r) {
  if (r.media_uuid.empty()) return Error{errc::kInvalidArgument, "media_uuid is empty"};
  if (r.created_ms == 0) r.created_ms = clock_.now_ms();
  auto done = db_->exec(
      "INSERT INTO media (media_uuid, owner, task_uuid, path, content_type, size_bytes, "
      "created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
      "ON CONFLICT (media_uuid) DO UPDATE SET owner = excluded.owner, "
      "task_uuid = excluded.task_uuid, path = excluded.path, content_type = excluded.content_type, "
      "size_bytes = excluded.size_bytes, created_ms = excluded.created_ms, "
      "expires_ms = excluded.expires_ms",
      {PgParam::text(r.media_uuid), PgParam::text(r.owner), PgParam::text(r.task_uuid),
       PgParam::text(r.path), PgParam::text(r.content_type), PgParam::int64(r.size_bytes),
       PgParam::int64(r.created_ms), PgParam::int64(r.expires_ms)});
  if (!done) return done.error();
  return Ok{};
}

Result<MediaRecord> PgMediaIndex::get(std::string_view media_uuid) {
  auto rows = db_->exec(
      std::string(kSelectMedia) + "WHERE media_uuid = $1 AND (expires_ms = 0 OR expires_ms > $2)",
      {PgParam::text(media_uuid), PgParam::int64(clock_.now_ms())});
  if (!rows) return rows.error();
  if (rows->rows() == 0) return media_not_found(media_uuid);
  return read_all(*rows).front();
}

Result<std::vector<MediaRecord>> PgMediaIndex::expired(std::int64_t now_ms, std::size_t limit) {
  auto rows = db_->exec(
      std::string(kSelectMedia) +
          "WHERE expires_ms > 0 AND expires_ms <= $1 "
          "ORDER BY expires_ms, media_uuid LIMIT $2",
      {PgParam::int64(now_ms), pg_rows::count(limit)});
  if (!rows) return rows.error();
  return read_all(*rows);
}

Result<std::vector<MediaRecord>> PgMediaIndex::for_task(std::string_view owner,
                                                        std::string_view task_uuid) {
  auto rows = db_->exec(
      std::string(kSelectMedia) + "WHERE owner = $1 AND task_uuid = $2 ORDER BY media_uuid",
      {PgParam::text(owner), PgParam::text(task_uuid)});
  if (!rows) return rows.error();
  return read_all(*rows);
}

Status PgMediaIndex::remove(std::string_view media_uuid) {
  auto done = db_->exec("DELETE FROM media WHERE media_uuid = $1", {PgParam::text(media_uuid)});
  if (!done) return done.error();
  if (done->affected() == 0) return media_not_found(media_uuid);
  return Ok{};
}

}  // namespace vidserve::store
