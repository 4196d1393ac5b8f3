// A value or the reason there is none. The control plane and parsers return this
// instead of magic codes; the caller decides what a failure means.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace podium {

struct Error {
  std::string message;
};

// E is the failure type: Error, or a richer one with a `message` (and, for callers that
// must tell failures apart without reading text, a `code`).
template <typename T, typename E = Error>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  const std::string& error() const { return std::get<1>(v_).message; }
  const E& failure() const { return std::get<1>(v_); }
  auto code() const
    requires requires(const E& e) { e.code; }
  {
    return std::get<1>(v_).code;
  }

 private:
  std::variant<T, E> v_;
};

}  // namespace podium
