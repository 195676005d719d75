#!/usr/bin/env python3
"""Generate crates/redis-advisories/data/clients.json: the current and
maintained release lines of common Redis/Valkey client libraries, read from
their package registries (VER002). Standard library only.

    python3 scripts/gen-client-data.py [OUT]

A registry that cannot be reached is recorded as such, with no versions:
nothing is guessed. Which lines are maintained follows each project's
documented policy where one is cited, else the rule "latest major line only".
"""
import datetime, json, re, sys, urllib.request

UA = "rampart-gen-client-data/1 (+https://github.com/rampart)"
TIMEOUT = 20
REDIS_POLICY = ("official", "the latest major.minor release line is the maintained line "
                "(Redis's client library support and versioning policy)",
                "https://redis.io/docs/latest/develop/clients/version-support/")
MAJOR_RULE = ("latest-major", "no documented policy found: rampart's rule is the latest major line only", None)

# name, CLIENT SETINFO lib-name values, registry, package, policy, lib-ver trusted, note
LIBS = [
    ("redis-py", ["redis-py"], "pypi", "redis", REDIS_POLICY, True, None),
    ("node-redis", ["node-redis"], "npm", "redis", REDIS_POLICY, True, None),
    ("ioredis", ["ioredis"], "npm", "ioredis", MAJOR_RULE, True, None),
    ("go-redis", ["go-redis"], "goproxy", "github.com/redis/go-redis/v9", REDIS_POLICY, True, None),
    ("rueidis", ["rueidis"], "goproxy", "github.com/redis/rueidis", MAJOR_RULE, True, None),
    ("valkey-glide (Python)", ["GlidePy", "GlidePySync"], "pypi", "valkey-glide", MAJOR_RULE, False,
     "GLIDE's lib-ver is not its package version (0.1.0 was seen): its version cannot be judged from CLIENT LIST"),
    ("valkey-glide (Node.js)", [], "npm", "@valkey/valkey-glide", MAJOR_RULE, False,
     "the lib-name GLIDE for Node.js sends was not verified"),
    ("Jedis", ["jedis"], "maven", "redis.clients:jedis", REDIS_POLICY, True, None),
    ("Lettuce", ["Lettuce"], "maven", "io.lettuce:lettuce-core", REDIS_POLICY, True, None),
    ("StackExchange.Redis", ["SE.Redis"], "nuget", "StackExchange.Redis", MAJOR_RULE, True, None),
    ("redis-rs", ["redis-rs"], "crates", "redis", MAJOR_RULE, True, None),
    ("predis", ["predis"], "packagist", "predis/predis", MAJOR_RULE, True, None),
    ("phpredis", ["phpredis"], "pecl", "redis", MAJOR_RULE, True, None),
]

REL = re.compile(r"^\d+\.\d+(\.\d+)?$")


def get(url):
    req = urllib.request.Request(url, headers={"User-Agent": UA, "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
        return r.read(50_000_000)


def versions(registry, package):
    """[(version, date or None)] of releases (no pre-releases, no yanked)."""
    if registry == "pypi":
        d = json.loads(get(f"https://pypi.org/pypi/{package}/json"))
        out = []
        for v, files in d["releases"].items():
            if not REL.match(v) or not files or all(f.get("yanked") for f in files):
                continue
            out.append((v, min(f["upload_time_iso_8601"][:10] for f in files)))
        return out, f"https://pypi.org/pypi/{package}/json"
    if registry == "npm":
        url = "https://registry.npmjs.org/" + package.replace("/", "%2f")
        d = json.loads(get(url))
        t = d.get("time", {})
        return [(v, t.get(v, "")[:10] or None) for v in d["versions"] if REL.match(v)
                and not d["versions"][v].get("deprecated")], url
    if registry == "crates":
        url = f"https://index.crates.io/{package[:2]}/{package[2:4]}/{package}"
        out = []
        for line in get(url).decode().splitlines():
            e = json.loads(line)
            if REL.match(e["vers"]) and not e.get("yanked"):
                out.append((e["vers"], None))
        return out, url
    urls = {
        "goproxy": f"https://proxy.golang.org/{package}/@v/list",
        "maven": "https://repo1.maven.org/maven2/" + package.replace(".", "/").replace(":", "/") + "/maven-metadata.xml",
        "nuget": f"https://api.nuget.org/v3-flatcontainer/{package.lower()}/index.json",
        "packagist": f"https://repo.packagist.org/p2/{package}.json",
        "pecl": f"https://pecl.php.net/rest/r/{package}/allreleases.xml",
    }
    url = urls[registry]
    body = get(url).decode()
    found = re.findall(r"v?(\d+\.\d+\.\d+)(?=[\"<\s])", body)
    return [(v, None) for v in sorted(set(found))], url


def key(v):
    return tuple(int(x) for x in v.split("."))


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "crates/redis-advisories/data/clients.json"
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    libs = []
    for name, lib_names, registry, package, (policy, rule, policy_src), trusted, note in LIBS:
        e = {"name": name, "lib_names": lib_names, "registry": registry, "package": package,
             "policy": policy, "policy_rule": rule}
        if policy_src:
            e["policy_source"] = policy_src
        if not trusted:
            e["lib_ver_trusted"] = False
        if note:
            e["note"] = note
        try:
            vs, src = versions(registry, package)
            if not vs:
                raise ValueError("no release versions in the answer")
        except Exception as ex:  # unreachable or unexpected: recorded, nothing invented
            e["status"] = "unreachable"
            e["unreachable"] = f"{registry} not reachable from the generator on {today} ({type(ex).__name__}): no versions recorded"
            libs.append(e)
            print(f"{name}: {e['unreachable']}", file=sys.stderr)
            continue
        vs.sort(key=lambda x: key(x[0]))
        latest, latest_date = vs[-1]
        parts = key(latest)
        line = f"{parts[0]}.{parts[1]}" if policy == "official" else f"{parts[0]}"
        newest = max((v for v in vs if (".".join(v[0].split(".")[:line.count(".") + 1]) == line)), key=lambda x: key(x[0]))
        e["status"] = "ok"
        e["source"] = src
        e["latest"] = latest
        if latest_date:
            e["latest_date"] = latest_date
        e["maintained"] = [{"line": line, "latest": newest[0]}]
        libs.append(e)
        print(f"{name}: latest {latest}, maintained line {line}", file=sys.stderr)
    data = {"schema": 1, "generated": today,
            "generator": "python3 scripts/gen-client-data.py",
            "libraries": libs}
    with open(out_path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
