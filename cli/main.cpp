// molprop: one executable, one short file per subcommand. main turns every escaped
// exception into one line on stderr and a non-zero exit code.
#include <H5Cpp.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "cli/common.h"

namespace {

// After an error, an HDF5 file can still be open only when a write to it failed (a full
// disk): the writers let go of such a file without closing it, because closing would
// fail again. HDF5 1.10's own clean-up at exit closes it anyway and crashes (SIGSEGV in
// H5F__close_cb), so end the process without that clean-up; the error line is printed,
// and the failed output's temporary is already removed.
int exit_after_error(int code) {
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE) > 0) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(code);
  }
  return code;
}

}  // namespace

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
  molprop::cli::register_calibrate(app);
  molprop::cli::register_robustness(app);
  // Parse errors in one line, like every other error (CLI11 adds "Run with --help ..." on a second).
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "molprop: error: " + std::string(e.what()) + " (--help lists the options)\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "molprop: error: %s\n", e.what());
    return exit_after_error(1);
  } catch (const H5::Exception& e) {
    // The last resort: the libraries turn their HDF5 errors into molprop::Error themselves.
    // HDF5's C++ exceptions do not derive from std::exception.
    std::fprintf(stderr, "molprop: error: HDF5: %s (%s)\n", e.getDetailMsg().c_str(), e.getFuncName().c_str());
    return exit_after_error(1);
  } catch (...) {
    std::fprintf(stderr, "molprop: error: unknown exception (not a std::exception)\n");
    return exit_after_error(1);
  }
  return 0;
}
