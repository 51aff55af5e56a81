"""Compare the Python packages installed in an unpacked image with a lock file (run on the host).

    python deploy/check_packages.py SITE_PACKAGES LOCK PYTHON_FULL_VERSION REQUIREMENT... [--allow NAME]...

Passes when (1) every installed distribution is pinned in the lock at exactly the installed version
(names listed with --allow may be installed unpinned: pip's freeze leaves setuptools out of a lock), and
(2) the given top-level requirements are all installed and so is everything they need, transitively, with
versions that satisfy every requirement (markers evaluated for the image's Python). Prints the lock's pins
that the image leaves out (the test tools). Exit status 1 with the reasons otherwise.
"""

from __future__ import annotations

import argparse
import platform
import sys
from importlib.metadata import Distribution, distributions

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def read_lock(path: str) -> dict[str, str]:
    pins = {}
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].split(";", 1)[0].strip()  # a pin may carry a marker
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def installed(site_packages: str) -> dict[str, Distribution]:
    return {canonicalize_name(d.metadata["Name"]): d for d in distributions(path=[site_packages])}


def marker_environment(python_version: str) -> dict[str, str]:
    """Markers as the image's interpreter (e.g. 3.11.2) sees them, not the host's."""
    env = default_environment()
    env.update(python_version=".".join(python_version.split(".")[:2]), python_full_version=python_version)
    env.update(platform_system="Linux", sys_platform="linux", platform_machine=platform.machine())
    return env


def closure_problems(top: list[str], dists: dict[str, Distribution], python_version: str) -> list[str]:
    """What is missing or at a wrong version among the top-level requirements and their dependencies."""
    problems: list[str] = []
    queue = [(Requirement(line), "the image's requirements") for line in top]
    seen: set[tuple[str, frozenset[str]]] = set()
    base = marker_environment(python_version)
    while queue:
        requirement, wanted_by = queue.pop()
        name = canonicalize_name(requirement.name)
        dist = dists.get(name)
        if dist is None:
            problems.append(f"{requirement.name} (needed by {wanted_by}) is not installed")
            continue
        if requirement.specifier and not requirement.specifier.contains(dist.version, prereleases=True):
            problems.append(f"{name} {dist.version} does not satisfy {requirement} (needed by {wanted_by})")
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        for line in dist.requires or []:
            dependency = Requirement(line)
            applies = dependency.marker is None or any(
                dependency.marker.evaluate({**base, "extra": extra}) for extra in {"", *requirement.extras}
            )
            if applies:
                queue.append((dependency, name))
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site_packages")
    parser.add_argument("lock")
    parser.add_argument("python_version")
    parser.add_argument("requirements", nargs="+")
    parser.add_argument("--allow", action="append", default=[])
    args = parser.parse_args(argv)
    pins = read_lock(args.lock)
    dists = installed(args.site_packages)
    allowed = {canonicalize_name(name) for name in args.allow}
    problems = []
    for name, dist in sorted(dists.items()):
        if name in pins and pins[name] != dist.version:
            problems.append(f"{name} {dist.version} is installed, the lock pins {pins[name]}")
        elif name not in pins and name not in allowed:
            problems.append(f"{name} {dist.version} is installed but not in {args.lock}")
    problems += closure_problems(args.requirements, dists, args.python_version)
    left_out = sorted(set(pins) - set(dists))
    if not problems:
        print(f"  {len(dists)} distributions installed, all at their pins in {args.lock}")
    print(f"  left out of the image ({len(left_out)}): {' '.join(left_out) or '-'}")
    extra = sorted(allowed & set(dists))
    if extra:
        print("  unpinned but allowed: " + " ".join(f"{n} {dists[n].version}" for n in extra))
    for problem in problems:
        print(f"  FAIL {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
