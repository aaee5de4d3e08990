#pragma once
// What each owner (an API key) has spent through the kling engine, kept so a key's spend cap
// holds across restarts and concurrent tasks. A task is charged once, by its store key
// (TaskRecord::key), when its worker is about to send it to Kling: a later attempt of the same
// task (a retry, a restart) finds its charge and is not charged again.
// Implementations: SqliteSpendLedger (the task database) and MemorySpendLedger (fake).
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/money.hpp"
#include "common/result.hpp"

namespace vidserve::store {

struct SpendCharge {
  bool charged = false;     // false: the charge would have taken the spend over the cap
  money::Micros spent = 0;  // the owner's spend after the call
};

class SpendLedger {
 public:
  virtual ~SpendLedger() = default;
  // Charges `micros` to `owner` for `task_key` unless the owner's spend plus `micros` would
  // exceed `cap` (nullopt: no cap). Atomic: concurrent charges never take a spend over its cap.
  // A task already charged answers charged=true and changes nothing.
  virtual Result<SpendCharge> charge(std::string_view owner, std::string_view task_key,
                                     money::Micros micros, std::optional<money::Micros> cap) = 0;
  virtual Result<money::Micros> spent(std::string_view owner) = 0;
};

class MemorySpendLedger final : public SpendLedger {
 public:
  Result<SpendCharge> charge(std::string_view owner, std::string_view task_key,
                             money::Micros micros, std::optional<money::Micros> cap) override;
  Result<money::Micros> spent(std::string_view owner) override;

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, money::Micros> spent_;    // owner -> spend
  std::unordered_map<std::string, money::Micros> charges_;  // task key -> charge
};

class SqliteDatabase;

class SqliteSpendLedger final : public SpendLedger {
 public:
  explicit SqliteSpendLedger(std::shared_ptr<SqliteDatabase> db) : db_(std::move(db)) {}
  Result<SpendCharge> charge(std::string_view owner, std::string_view task_key,
                             money::Micros micros, std::optional<money::Micros> cap) override;
  Result<money::Micros> spent(std::string_view owner) override;

 private:
  std::shared_ptr<SqliteDatabase> db_;
};

}  // namespace vidserve::store
