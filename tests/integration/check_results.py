#!/usr/bin/python3
"""check_results.py: check that an edusim results file opens in the readers.

Usage:
  /usr/bin/python3 tests/integration/check_results.py RESULTS.h5 [options]

Opens every group of the file with xarray, engine="h5netcdf" and
engine="netcdf4", and checks (notes/hdf5-recipe.md, DESIGN "Results file"):
  - each group opens with both engines;
  - the dimension names of every variable are among strategy, statistic,
    year, region, age, stage, and match the order of the dimension scales
    attached in the file (read with h5py);
  - every dimension of a group has a coordinate variable of that name;
  - every variable has `units` and `long_name`; text values come back as str;
  - the root attributes (title, software, created, command, mode, seed,
    replicates, Conventions, format_version) are present and well-formed;
  - the datasets of group "scenario" match their `sha256` attribute;
  - the 512-byte user block holds "edusim-digest 1", sha256 and the SHA-256
    of the bytes after it, and h5py sees a 512-byte user block.
Options add checks:
  --expect-groups population,demand,scenario   these groups exist
  --expect-region 渝中区                        this region name is in
        region_name of group population (see --region-group) and
        .sel(region=<its code>) works, with both engines (repeatable)
  --expect-var population/local                 this variable exists
        (repeatable)
  --expect-attr mode=deterministic              root attribute, with value
        when "=VALUE" is given (repeatable)
Prints one FAIL line per failed check, then "N passed, N failed". Exits 0
when every check passed, 1 otherwise, 2 on a usage error.
"""

import argparse
import base64
import hashlib
import re
import sys
import warnings

AXES = ("strategy", "statistic", "replicate", "year", "region", "age", "stage")
ROOT_ATTRS = ("title", "software", "created", "command", "mode", "seed",
              "replicates", "Conventions", "format_version")
ENGINES = ("h5netcdf", "netcdf4")


class Checks:
    """Counts checks and prints each failure."""

    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def check(self, ok, what):
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"PASS {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}")
        return ok


def list_groups(h5):
    """Every group below the root, as paths without the leading '/'."""
    import h5py
    names = []

    def visit(name, obj):
        if isinstance(obj, h5py.Group):
            names.append(name)

    h5.visititems(visit)
    return names


def text_attr(obj, key):
    value = obj.attrs.get(key, b"")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).rstrip("\0")


def scale_names(dataset):
    """The dimension name of each axis of an h5py dataset: a dimension scale
    is its own axis; other datasets name the scales attached to them."""
    if text_attr(dataset, "CLASS") == "DIMENSION_SCALE":
        return (dataset.name.rsplit("/", 1)[-1],)
    names = []
    for dim in dataset.dims:
        if len(dim) == 0:
            names.append(None)
            continue
        name = text_attr(dim[0], "NAME")
        if name.startswith("This is a netCDF dimension but not a netCDF variable"):
            name = dim[0].name.rsplit("/", 1)[-1]
        names.append(name)
    return tuple(names)


def is_text(values):
    return values.dtype.kind in ("O", "U", "S")


def check_group_dataset(c, h5, group, engine, ds):
    """Checks of one group opened with one engine."""
    import numpy as np
    where = f"[{engine}] group {group}"
    for name, var in ds.variables.items():
        label = f"{where}: variable {name}"
        if group != "scenario":
            c.check(all(d in AXES for d in var.dims),
                    f"{label}: dimensions {var.dims} are among {AXES}")
        if name in h5[group]:
            declared = scale_names(h5[group][name])
            c.check(tuple(var.dims) == declared,
                    f"{label}: dimensions {tuple(var.dims)} match the "
                    f"attached scales {declared}")
        c.check("long_name" in var.attrs, f"{label}: has long_name")
        c.check("units" in var.attrs, f"{label}: has units")
        if is_text(var.values):
            flat = np.asarray(var.values).reshape(-1)
            c.check(all(isinstance(x, str) for x in flat),
                    f"{label}: text values come back as str")
    for dim in ds.dims:
        c.check(dim in ds.variables and ds.variables[dim].dims == (dim,),
                f"{where}: dimension {dim} has a coordinate variable")
    if group == "scenario":
        check_scenario(c, ds, where)


def check_scenario(c, ds, where):
    """The sources in group scenario match their sha256 attribute."""
    c.check("scenario_resolved" in ds.variables,
            f"{where}: has scenario_resolved")
    for name, var in ds.variables.items():
        if "sha256" not in var.attrs:
            continue
        text = var.values.item()
        if var.attrs.get("encoding") == "base64":
            data = base64.b64decode(text)
        else:
            data = text.encode("utf-8")
        c.check(hashlib.sha256(data).hexdigest() == var.attrs["sha256"],
                f"{where}: {name} matches its sha256 attribute")
        if "size_bytes" in var.attrs:
            c.check(int(var.attrs["size_bytes"]) == len(data),
                    f"{where}: {name} has size_bytes bytes")


def check_digest(c, path):
    """The 512-byte user block holds the SHA-256 of the bytes after it
    (docs/output-format.md), and h5py sees it as the file's user block."""
    import h5py
    with open(path, "rb") as f:
        block, body = f.read(512), f.read()
    m = re.fullmatch(rb"edusim-digest 1\nsha256 ([0-9a-f]{64})\n\0*", block)
    c.check(len(block) == 512 and m is not None,
            "user block: 'edusim-digest 1', sha256, 64 hex digits, NULs")
    if m is not None:
        c.check(m.group(1).decode() == hashlib.sha256(body).hexdigest(),
                "user block: the digest matches the bytes after it")
    with h5py.File(path, "r") as h5:
        c.check(h5.userblock_size == 512, "h5py: userblock_size is 512")


def check_root(c, path, expect_attrs):
    import xarray as xr
    for engine in ENGINES:
        where = f"[{engine}] root"
        try:
            ds = xr.open_dataset(path, engine=engine)
        except Exception as e:  # any failure to open is what we report
            c.check(False, f"{where}: opens ({type(e).__name__}: {e})")
            continue
        with ds:
            c.check(True, f"{where}: opens")
            attrs = ds.attrs
            for key in ROOT_ATTRS:
                c.check(key in attrs, f"{where}: attribute {key} present")
            c.check(attrs.get("Conventions") == "CF-1.8",
                    f"{where}: Conventions is CF-1.8")
            c.check(str(attrs.get("format_version")) == "1",
                    f"{where}: format_version is 1")
            c.check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                 str(attrs.get("created", ""))) is not None,
                    f"{where}: created is ISO 8601 UTC "
                    f"({attrs.get('created')!r})")
            c.check(str(attrs.get("software", "")).startswith("edusim"),
                    f"{where}: software names edusim")
            for item in expect_attrs:
                key, has_value, value = item.partition("=")
                if has_value:
                    c.check(str(attrs.get(key)) == value,
                            f"{where}: attribute {key} is {value!r} "
                            f"(got {attrs.get(key)!r})")
                else:
                    c.check(key in attrs, f"{where}: attribute {key} present")


def check_region(c, path, group, name):
    import xarray as xr
    for engine in ENGINES:
        where = f"[{engine}] group {group}"
        try:
            ds = xr.open_dataset(path, engine=engine, group=group)
        except Exception as e:
            c.check(False, f"{where}: opens ({type(e).__name__}: {e})")
            continue
        with ds:
            if not c.check("region_name" in ds.variables,
                           f"{where}: has region_name"):
                continue
            names = [str(x) for x in ds["region_name"].values]
            if not c.check(name in names,
                           f"{where}: region {name!r} in region_name"):
                continue
            code = ds["region"].values[names.index(name)]
            try:
                sel = ds.sel(region=code)
                ok = str(sel["region_name"].values.item()) == name
            except Exception as e:
                print(f"  .sel(region={code!r}): {type(e).__name__}: {e}")
                ok = False
            c.check(ok, f"{where}: .sel(region={code!r}) gives {name!r}")


def main(argv):
    parser = argparse.ArgumentParser(
        description="Check an edusim results file with xarray (h5netcdf and "
        "netcdf4 engines).")
    parser.add_argument("path", help="the results file (.h5)")
    parser.add_argument("--expect-groups", default="",
                        help="comma-separated groups that must exist")
    parser.add_argument("--expect-region", action="append", default=[],
                        metavar="NAME", help="a region name that must exist")
    parser.add_argument("--region-group", default="population",
                        help="group searched by --expect-region "
                        "(default population)")
    parser.add_argument("--expect-var", action="append", default=[],
                        metavar="GROUP/NAME", help="a variable that must exist")
    parser.add_argument("--expect-attr", action="append", default=[],
                        metavar="KEY[=VALUE]", help="a root attribute")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print passing checks too")
    args = parser.parse_args(argv)

    warnings.simplefilter("ignore")  # netCDF4's numpy ABI warning is noise
    import h5py
    import xarray as xr

    c = Checks(args.verbose)
    try:
        h5 = h5py.File(args.path, "r")
    except Exception as e:
        c.check(False, f"{args.path} opens with h5py ({type(e).__name__}: {e})")
        print(f"{c.passed} passed, {c.failed} failed")
        return 1
    with h5:
        groups = list_groups(h5)
        c.check(len(groups) > 0, f"{args.path} has groups")
        check_root(c, args.path, args.expect_attr)
        check_digest(c, args.path)
        for group in groups:
            fixed = [n for n, obj in h5[group].items()
                     if hasattr(obj, "dtype") and obj.dtype.kind == "S"]
            c.check(not fixed, f"group {group}: no fixed-length strings "
                    f"({fixed}; netCDF-C 4.9.0 crashes on them)")
            for engine in ENGINES:
                if fixed and engine == "netcdf4":
                    continue  # it would crash the checker itself
                try:
                    ds = xr.open_dataset(args.path, engine=engine, group=group)
                except Exception as e:
                    c.check(False, f"[{engine}] group {group} opens "
                            f"({type(e).__name__}: {e})")
                    continue
                with ds:
                    c.check(True, f"[{engine}] group {group} opens")
                    check_group_dataset(c, h5, group, engine, ds)
        for group in filter(None, args.expect_groups.split(",")):
            c.check(group in groups, f"group {group} exists")
        for item in args.expect_var:
            group, _, name = item.rpartition("/")
            c.check(group in groups and name in h5[group],
                    f"variable {item} exists")
    for name in args.expect_region:
        check_region(c, args.path, args.region_group, name)
    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 and c.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
