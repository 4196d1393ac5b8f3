// The outcome of a store call: a podium::Result whose failure carries a code, because the caller
// answers differently to "no such conference" (404), "someone changed it first" (409)
// and "the disk is full" (500), and must not parse messages to tell them apart.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "util/result.h"

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
using StoreResult = Result<T, StoreError>;

}  // namespace podium::store
