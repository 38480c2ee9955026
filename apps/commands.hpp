// The subcommands of the xbarsim CLI. Each returns the process exit code and throws UserError
// (one line) for bad input.
#pragma once

#include <string>
#include <vector>

namespace xbarsim::apps {

int run_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args);

}  // namespace xbarsim::apps
