#pragma once
// Names and version of the molprop HDF5 dataset layout. docs/hdf5-format.md is the
// user-facing description; this file is the single place the code takes names from.
namespace molprop::data::format {

inline constexpr const char* kMagic = "molprop-dataset";  // root attribute "format"
// Bump when the layout changes incompatibly; readers refuse newer versions.
inline constexpr int kFormatVersion = 1;
// Additions within a version that older readers can ignore (optional datasets and
// attributes); written for information, never required. 1: atom_targets, descriptor_set.
inline constexpr int kFormatMinorVersion = 1;

// Root attributes.
inline constexpr const char* kAttrFormat = "format";
inline constexpr const char* kAttrFormatVersion = "format_version";
inline constexpr const char* kAttrFormatMinorVersion = "format_minor_version";  // optional
inline constexpr const char* kAttrFeaturizerVersion = "featurizer_version";
inline constexpr const char* kAttrVocabulary = "feature_vocabulary";
inline constexpr const char* kAttrTargetNames = "target_names";           // JSON list
inline constexpr const char* kAttrDescriptorNames = "descriptor_names";   // JSON list
inline constexpr const char* kAttrDescriptorSet = "descriptor_set";       // optional, e.g. "rdkit2d-v2"
inline constexpr const char* kAttrAtomTargetNames = "atom_target_names";  // optional JSON list
inline constexpr const char* kAttrSourceFile = "source_file";
inline constexpr const char* kAttrSourceSha256 = "source_sha256";
inline constexpr const char* kAttrNumMolecules = "num_molecules";
inline constexpr const char* kAttrNumAtoms = "num_atoms";
inline constexpr const char* kAttrNumEdges = "num_edges";
inline constexpr const char* kAttrNumRows = "num_rows";
inline constexpr const char* kAttrNumFailed = "num_failed";
inline constexpr const char* kAttrStandardized = "standardized";
inline constexpr const char* kAttrCreator = "created_by";

// Datasets. N molecules, A atoms, E directed edges, T targets, D descriptors, K atom targets.
inline constexpr const char* kSmiles = "smiles";                   // N, variable-length UTF-8
inline constexpr const char* kRow = "row";                         // N int64, 1-based input row
inline constexpr const char* kAtomPtr = "atom_ptr";                // N+1 int64, CSR offsets
inline constexpr const char* kBondPtr = "bond_ptr";                // N+1 int64, CSR offsets
inline constexpr const char* kAtomFeatures = "atom_features";      // A × kNumAtomFeatures uint8
inline constexpr const char* kBondIndex = "bond_index";            // E × 2 int32, local indices
inline constexpr const char* kBondFeatures = "bond_features";      // E × kNumBondFeatures uint8
inline constexpr const char* kTargets = "targets";                 // N × T float32, NaN = missing
inline constexpr const char* kDescriptors = "descriptors";         // N × D float32 (optional)
inline constexpr const char* kAtomTargets = "atom_targets";        // A × K float32, NaN = none (optional)
inline constexpr const char* kScaffoldId = "scaffold_id";          // N int32 (optional)
inline constexpr const char* kScaffoldSmiles = "scaffold_smiles";  // S strings (optional)
inline constexpr const char* kFailureRow = "failures/row";         // F int64
inline constexpr const char* kFailureSmiles = "failures/smiles";   // F strings
inline constexpr const char* kFailureReason = "failures/reason";   // F strings

}  // namespace molprop::data::format
