#include "store/spend_ledger.hpp"

#include "store/sqlite_database.hpp"

namespace vidserve::store {

Result<SpendCharge> MemorySpendLedger::charge(std::string_view owner, std::string_view task_key,
                                              money::Micros micros,
                                              std::optional<money::Micros> cap) {
  std::lock_guard lock(mutex_);
  auto& spent = spent_[std::string(owner)];
  if (charges_.count(std::string(task_key)) != 0) return SpendCharge{true, spent};
  if (cap && spent + micros > *cap) return SpendCharge{false, spent};
  charges_.emplace(std::string(task_key), micros);
  spent += micros;
  return SpendCharge{true, spent};
}

Result<money::Micros> MemorySpendLedger::spent(std::string_view owner) {
  std::lock_guard lock(mutex_);
  const auto it = spent_.find(std::string(owner));
  return it == spent_.end() ? 0 : it->second;
}

namespace {

Result<money::Micros> read_spent(SqliteDatabase::Session& s, std::string_view owner) {
  auto stmt = s.prepare("SELECT spent_micros FROM owner_spend WHERE owner = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, owner);
  auto row = stmt->step();
  if (!row) return row.error();
  return *row ? stmt->column_int(0) : money::Micros{0};
}

Result<bool> already_charged(SqliteDatabase::Session& s, std::string_view task_key) {
  auto stmt = s.prepare("SELECT 1 FROM spend_charges WHERE task_key = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, task_key);
  return stmt->step();
}

Status record_charge(SqliteDatabase::Session& s, std::string_view owner, std::string_view task_key,
                     money::Micros micros) {
  auto insert =
      s.prepare("INSERT INTO spend_charges (task_key, owner, micros) VALUES (?1, ?2, ?3)");
  if (!insert) return insert.error();
  insert->text(1, task_key).text(2, owner).integer(3, micros);
  if (auto ok = insert->run(); !ok) return ok;
  auto add = s.prepare(
      "INSERT INTO owner_spend (owner, spent_micros) VALUES (?1, ?2) "
      "ON CONFLICT(owner) DO UPDATE SET spent_micros = spent_micros + excluded.spent_micros");
  if (!add) return add.error();
  add->text(1, owner).integer(2, micros);
  return add->run();
}

}  // namespace

// One write transaction (BEGIN IMMEDIATE): the read of the spend and the charge cannot
// interleave with another thread's or process's charge.
Result<SpendCharge> SqliteSpendLedger::charge(std::string_view owner, std::string_view task_key,
                                              money::Micros micros,
                                              std::optional<money::Micros> cap) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Transaction::Mode::Write);
  if (!tx) return tx.error();
  auto spent = read_spent(s, owner);
  if (!spent) return spent.error();
  auto charged = already_charged(s, task_key);
  if (!charged) return charged.error();
  if (*charged) return SpendCharge{true, *spent};
  if (cap && *spent + micros > *cap) return SpendCharge{false, *spent};
  if (auto ok = record_charge(s, owner, task_key, micros); !ok) return ok.error();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return SpendCharge{true, *spent + micros};
}

Result<money::Micros> SqliteSpendLedger::spent(std::string_view owner) {
  auto s = db_->session();
  return read_spent(s, owner);
}

}  // namespace vidserve::store
