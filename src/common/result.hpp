#pragma once
// Errors are values: a Result<T> holds either a T or an Error (code + message).
#include <string>
#include <utility>
#include <variant>

namespace vidserve {

struct Error {
  std::string code;     // stable, machine readable: "notFound", "invalidCatalog", ...
  std::string message;  // for humans; says what was expected
  // The request field at fault when there is one (a task's input path such as
  // "inputs.frameImages[0].image"), else "".
  std::string parameter = {};
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const Error& error() const { return std::get<Error>(state_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
struct Ok {};
using Status = Result<Ok>;

}  // namespace vidserve
