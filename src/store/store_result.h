// The outcome of a store call. Like podium::Result, plus a code, because the caller
// answers differently to "no such conference" (404), "someone changed it first" (409)
// and "the disk is full" (500), and must not parse messages to tell them apart.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace podium::store {

// The value of a call that only succeeds or fails.
struct Done {};

enum class StoreErrc {
  kInvalidArgument,  // the input breaks a rule (name syntax, empty email, not a JSON object)
  kNotFound,         // no such conference, organizer, session or invitation
  kAlreadyExists,    // a unique name, email or token is taken
  kVersionConflict,  // optimistic concurrency: the record changed since it was read
  kStorage,          // SQLite failed: I/O, corruption, unknown schema version
};

const char* errc_name(StoreErrc code);

struct StoreError {
  StoreErrc code = StoreErrc::kStorage;
  std::string message;
};

template <typename T>
class StoreResult {
 public:
  StoreResult(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  StoreResult(StoreError error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  StoreErrc code() const { return std::get<1>(v_).code; }
  const std::string& error() const { return std::get<1>(v_).message; }
  const StoreError& failure() const { return std::get<1>(v_); }

 private:
  std::variant<T, StoreError> v_;
};

}  // namespace podium::store
