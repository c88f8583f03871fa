// molprop: one executable, one short file per subcommand. main turns every escaped
// exception into one line on stderr and a non-zero exit code.
#include <H5Cpp.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/common.h"

int main(int argc, char** argv) {
  CLI::App app{"molprop: molecular property prediction with graph neural networks"};
  app.set_version_flag("--version", std::string("molprop ") + MOLPROP_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Example:\n"
      "  molprop featurize --input ../shared/data/esol.csv --output esol.h5\n"
      "Run 'molprop <command> --help' for a command's options.");
  molprop::cli::register_featurize(app);
  molprop::cli::register_inspect(app);
  molprop::cli::register_info(app);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  molprop::cli::register_train(app, command_line);
  molprop::cli::register_predict(app);
  molprop::cli::register_embed(app);
  molprop::cli::register_analyze(app);
  molprop::cli::register_pretrain(app, command_line);
  molprop::cli::register_merge(app);
  molprop::cli::register_canonicalize(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "molprop: error: %s\n", e.what());
    return 1;
  } catch (const H5::Exception& e) {
    // HDF5's C++ exceptions do not derive from std::exception.
    std::fprintf(stderr, "molprop: error: HDF5: %s (%s)\n", e.getDetailMsg().c_str(), e.getFuncName().c_str());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "molprop: error: unknown exception (not a std::exception)\n");
    return 1;
  }
  return 0;
}
