#pragma once
// Refusing an output that would overwrite one of the job's own inputs. `featurize
// --input a.csv --output a.csv` used to replace the CSV by an HDF5 file; every command
// that writes outputs checks them here first. Files are compared by identity (device and
// inode), not by spelling, so `a.csv`, `./a.csv`, a symbolic link to it and a hard link
// to it are all the same file.
#include <string>
#include <vector>

namespace molprop::core {

// True when both paths exist and name the same file (after following symbolic links).
bool same_file(const std::string& a, const std::string& b);

// Throws molprop::Error "<output>: is the same file as the input <input>; writing it
// would destroy the input (choose another output path)" when `output` is one of `inputs`.
// Empty paths and "-" (stdout / stdin) are skipped; an output that does not exist yet
// cannot be an input.
void check_output_is_not_input(const std::string& output, const std::vector<std::string>& inputs);

}  // namespace molprop::core
