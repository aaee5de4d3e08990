#pragma once
// One thing wrong with a request: which parameter, a stable code, and what is allowed instead.
#include <string>
#include <vector>

namespace vidserve::core {

struct Problem {
  std::vector<std::string> parameters;  // usually one path; two for pair constraints (width, height)
  std::string code;                     // stable: unsupportedDimensions, invalidType, ...
  std::string message;                  // says what is allowed

  std::string parameter() const;  // the paths joined with ","
};

// Bounded whatever the input: at most kMaxProblems problems (then one tooManyProblems), each
// parameter path cut to kMaxPathBytes and each message to kMaxMessageBytes (text::excerpt), so a
// reply never echoes a caller's huge value or key.
class Problems {
 public:
  static constexpr std::size_t kMaxProblems = 100;
  static constexpr std::size_t kMaxPathBytes = 200;
  static constexpr std::size_t kMaxMessageBytes = 400;

  // Adds a problem unless one of its parameters was already reported as malformed by the parser,
  // so a wrong type is not followed by a second, confusing complaint about the same field.
  void add(std::string parameter, std::string code, std::string message);
  void add(std::vector<std::string> parameters, std::string code, std::string message);
  void mark_reported(const std::string& parameter) { reported_.push_back(parameter); }
  bool reported(const std::string& parameter) const;

  const std::vector<Problem>& list() const { return list_; }
  std::vector<Problem>& list() { return list_; }
  bool empty() const { return list_.empty(); }

 private:
  std::vector<Problem> list_;
  std::vector<std::string> reported_;
};

}  // namespace vidserve::core
