// `xbarsim merge DIR... --out DIR`: combines the folders of the shards of one sweep (each run
// with --shard K/N) into one folder whose sweep.csv is the one an unsharded sweep writes.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "apps/commands.hpp"
#include "core/error.hpp"
#include "sweep/runner.hpp"

namespace po = boost::program_options;

namespace xbarsim::apps {

int merge_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage = "usage: xbarsim merge SWEEP_DIR... --out DIR";
  po::options_description opts("merge options");
  opts.add_options()("help,h", "show this help")("out", po::value<std::string>(),
                                                 "merged sweep folder (created; points already there are kept)")(
      "dirs", po::value<std::vector<std::string>>()->composing(), "sweep folders of the shards");
  po::positional_options_description pos;
  pos.add("dirs", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("xbarsim merge: {} (see xbarsim merge --help)", e.what()));
  }
  if (vm.count("help") != 0) {
    std::cout << kUsage << "\n\n" << opts;
    return 0;
  }
  if (vm.count("dirs") == 0) throw UsageError("xbarsim merge: no sweep folders given (see xbarsim merge --help)");
  if (vm.count("out") == 0) throw UsageError("xbarsim merge: --out DIR is required");
  std::vector<std::filesystem::path> dirs;
  for (const auto& d : vm["dirs"].as<std::vector<std::string>>()) dirs.emplace_back(d);
  const std::filesystem::path out = vm["out"].as<std::string>();
  const sweep::Collected c = sweep::merge(dirs, out);
  print_collected(c, out, "run `xbarsim merge` again");
  return c.missing.empty() ? 0 : 1;
}

}  // namespace xbarsim::apps
