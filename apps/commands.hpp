// The subcommands of the xbarsim CLI. Each returns the process exit code and throws UserError
// (one line) for bad input.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xbarsim::apps {

int run_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args);
int sweep_command(const std::vector<std::string>& args);
int merge_command(const std::vector<std::string>& args);
int compare_command(const std::vector<std::string>& args);
int fit_device_command(const std::vector<std::string>& args);

}  // namespace xbarsim::apps

namespace xbarsim::sweep {
struct Collected;
}

namespace xbarsim::apps {

// Shared by sweep, merge and compare: the default -j (the number of cores) and the closing lines
// (sweep.csv, figures, or what is missing).
int default_jobs();
void print_collected(const sweep::Collected& c, const std::filesystem::path& out, const std::string& redo);

}  // namespace xbarsim::apps
