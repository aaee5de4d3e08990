#include "store/error_codes.hpp"
#include "store/pg_database.hpp"
#include "store/pg_stores.hpp"

namespace vidserve::store {

// One transaction: the owner's row is created if missing and locked, so the read of the spend,
// the check against the cap and the charge cannot interleave with another charge anywhere.
Result<SpendCharge> PgSpendLedger::charge(std::string_view owner, std::string_view task_key,
                                          money::Micros micros, std::optional<money::Micros> cap) {
  return db_->transaction<Result<SpendCharge>>([&](PgConnection& c) -> Result<SpendCharge> {
    if (auto made =
            c.exec("INSERT INTO owner_spend (owner) VALUES ($1) ON CONFLICT (owner) DO NOTHING",
                   {PgParam::text(owner)});
        !made) {
      return made.error();
    }
    auto spent = c.exec("SELECT spent_micros FROM owner_spend WHERE owner = $1 FOR UPDATE",
                        {PgParam::text(owner)});
    if (!spent) return spent.error();
    const money::Micros before = spent->int64(0, 0);
    auto charged =
        c.exec("SELECT 1 FROM spend_charges WHERE task_key = $1", {PgParam::text(task_key)});
    if (!charged) return charged.error();
    if (charged->rows() > 0) return SpendCharge{true, before};
    if (cap && before + micros > *cap) return SpendCharge{false, before};
    if (auto r = c.exec("INSERT INTO spend_charges (task_key, owner, micros) VALUES ($1, $2, $3)",
                        {PgParam::text(task_key), PgParam::text(owner), PgParam::int64(micros)});
        !r) {
      return r.error();
    }
    if (auto r = c.exec("UPDATE owner_spend SET spent_micros = spent_micros + $2 WHERE owner = $1",
                        {PgParam::text(owner), PgParam::int64(micros)});
        !r) {
      return r.error();
    }
    return SpendCharge{true, before + micros};
  });
}

Result<money::Micros> PgSpendLedger::spent(std::string_view owner) {
  auto row =
      db_->exec("SELECT spent_micros FROM owner_spend WHERE owner = $1", {PgParam::text(owner)});
  if (!row) return row.error();
  return row->rows() == 0 ? money::Micros{0} : row->int64(0, 0);
}

}  // namespace vidserve::store
