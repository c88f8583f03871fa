"""Reads a molprop dataset with plain h5py, exactly as docs/hdf5-format.md shows.

Usage: h5py_read_dataset.py MOLPROP_BINARY INPUT.smi OUTPUT.h5
Exit 77 (skipped) when h5py is not installed.
"""
import json
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py not installed; skipping")
    sys.exit(77)

binary, source, path = sys.argv[1:4]
subprocess.run([binary, "featurize", "--input", source, "--output", path,
                "--descriptors", "--scaffolds", "--quiet"], check=True)

with h5py.File(path, "r") as f:
    assert f.attrs["format"] == "molprop-dataset", f.attrs["format"]
    n = int(f.attrs["num_molecules"])
    smiles = f["smiles"].asstr()[:]
    atom_ptr = f["atom_ptr"][:]
    bond_ptr = f["bond_ptr"][:]
    atoms = f["atom_features"][:]
    bond_index = f["bond_index"][:]
    descriptors = f["descriptors"][:]
    names = json.loads(f.attrs["descriptor_names"])
    # Molecule i: atoms atom_ptr[i]:atom_ptr[i+1], directed bonds bond_ptr[i]:bond_ptr[i+1].
    i = 0
    a = atoms[atom_ptr[i]:atom_ptr[i + 1]]
    e = bond_index[bond_ptr[i]:bond_ptr[i + 1]]
    assert len(smiles) == n and atom_ptr.shape == (n + 1,) and bond_ptr.shape == (n + 1,)
    assert atoms.dtype == np.uint8 and atoms.shape[1] == 9
    assert e.max() < len(a) and (e[1::2] == e[0::2, ::-1]).all(), "reverse edges"
    assert descriptors.shape == (n, len(names))
    failures = list(zip(f["failures/row"][:], f["failures/smiles"].asstr()[:],
                        f["failures/reason"].asstr()[:]))
    assert int(f.attrs["num_failed"]) == len(failures)
    print(f"{n} molecules, first {smiles[0]} with {len(a)} atoms; {len(failures)} failures")
