#!/usr/bin/env python3
"""Time `escalate lsp` from a change to its diagnostics, as an editor sees it.

    scripts/lsp-latency.py [--bin target/release/escalate] FILE...

For each file: open it, then send 20 full-text changes (the text with one
more character in a trailing comment, as when typing) and time each until
its publishDiagnostics arrives. Prints the median and the slowest wall time,
in ms, and the server's CPU time per run (which load on the machine disturbs
least).

With --burst, then also send 20 changes at once (as an editor does when the
server falls behind) and print how many diagnostics publications come back
and the time until the one for the last version.
"""
import json, os, resource, subprocess, sys, time

def main():
    args = sys.argv[1:]
    binary = "target/release/escalate"
    if args[:1] == ["--bin"]:
        binary, args = args[1], args[2:]
    burst = "--burst" in args
    args = [a for a in args if a != "--burst"]
    proc = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    ids = iter(range(1, 1 << 30))

    def send(msg):
        body = json.dumps(msg).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

    def receive():
        length = None
        while True:
            line = proc.stdout.readline().strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return json.loads(proc.stdout.read(length))

    def wait(pred):
        while True:
            msg = receive()
            if pred(msg):
                return msg

    send({"jsonrpc": "2.0", "id": next(ids), "method": "initialize", "params": {"capabilities": {}}})
    wait(lambda m: "id" in m)
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    for path in args:
        text = open(path, encoding="utf-8").read() + "\n#"
        uri = "file://" + os.path.abspath(path)
        is_ours = lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
        start = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
              "params": {"textDocument": {"uri": uri, "languageId": "escalate", "version": 1, "text": text}}})
        found = len(wait(is_ours)["params"]["diagnostics"])
        opened = (time.perf_counter() - start) * 1000
        times = []
        for version in range(2, 22):
            text += "x"
            start = time.perf_counter()
            send({"jsonrpc": "2.0", "method": "textDocument/didChange",
                  "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
            wait(is_ours)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"{path}: {len(text)} bytes, {found} diagnostics; open {opened:.1f} ms; "
              f"change median {times[len(times) // 2]:.1f} ms, slowest {times[-1]:.1f} ms")
        if burst:
            start = time.perf_counter()
            for version in range(22, 42):
                text += "y"
                send({"jsonrpc": "2.0", "method": "textDocument/didChange",
                      "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
            published = 1
            while wait(is_ours)["params"].get("version") != 41:
                published += 1
            print(f"{path}: 20 changes at once: {published} publications, "
                  f"the last after {(time.perf_counter() - start) * 1000:.1f} ms")
    send({"jsonrpc": "2.0", "id": next(ids), "method": "shutdown", "params": None})
    wait(lambda m: "id" in m)
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    proc.wait(timeout=10)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    answered = 21 * len(args)  # counts the sequential runs only
    print(f"server CPU time (user + system) per diagnostics run: "
          f"{(usage.ru_utime + usage.ru_stime) * 1000 / answered:.1f} ms (all {answered} runs, start-up included)")

if __name__ == "__main__":
    main()
