// User-facing errors: each carries one complete line (file, line, key and what was expected).
#pragma once

#include <stdexcept>
#include <string>

namespace xbarsim {

// Base of every error caused by the user's input (config, data file, command line). The CLI
// prints what() as one line and exits non-zero; anything else is a bug and is reported as such.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration value is missing, unknown, of the wrong type, out of range or has a bad unit.
class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

// A data file (IDX images or labels) is missing, truncated or malformed.
class DataError : public UserError {
 public:
  using UserError::UserError;
};

// A training run diverged: a loss, weight or bias became NaN or infinite (the learning rate or
// the optimizer's settings do not suit the network). The run stops with a FAILED marker.
class DivergedError : public UserError {
 public:
  using UserError::UserError;
};

// The environment refused an operation on a path (disk full, read-only, no permission, a file
// where a folder is expected): what() names the path and the operating system's reason.
class EnvironmentError : public UserError {
 public:
  using UserError::UserError;
};

// A bad command line.
class UsageError : public UserError {
 public:
  using UserError::UserError;
};

}  // namespace xbarsim
