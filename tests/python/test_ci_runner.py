#!/usr/bin/env python3
"""A CI runner driving renacer over gRPC, as a CI system would.

It starts a private renacer-daemon (stopped by PID at the end, also when a
test fails), generates the renacer.v1 stubs from proto/ with grpcio-tools,
and for each job: StartCapture, run the job, StopCapture, then Compare
against a golden trace and Assert renacer.toml budgets on the daemon side,
or fetch the trace and judge it locally with renacerctl.

Needs root (the daemon loads eBPF programs), grpcio, grpcio-tools and
grpcio-reflection (`cargo xtask test` provides them in a venv) and a debug build
(RENACER_BIN_DIR, default target/debug). Prints one
`test result: ok. N passed; M failed; ...` line like cargo test.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("RENACER_BIN_DIR", ROOT / "target" / "debug"))
GOLDEN = ROOT / "golden_traces"
EXAMPLES = ROOT / "examples"
# Loader variables (cargo sets LD_LIBRARY_PATH) change a job's syscalls.
JOB_ENV = {k: v for k, v in os.environ.items() if not k.startswith("LD_")}


def generate_stubs(out_dir: Path):
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    rc = protoc.main([
        "protoc",
        f"-I{ROOT / 'proto'}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        "renacer/v1/tracer.proto",
    ])
    if rc != 0:
        raise RuntimeError(f"protoc failed with {rc}")
    sys.path.insert(0, str(out_dir))
    from renacer.v1 import tracer_pb2, tracer_pb2_grpc

    return tracer_pb2, tracer_pb2_grpc


class Daemon:
    """A private renacer-daemon, stopped by PID."""

    def __init__(self, workdir: Path):
        self.socket = workdir / "renacer.sock"
        self.proc = subprocess.Popen(
            # Root-only socket (group root): this test connects as root.
            [str(BIN / "renacer-daemon"), "--socket", str(self.socket), "--group", "root"],
            env={**os.environ, "RENACER_LOG": "warn"},
        )
        deadline = time.monotonic() + 20
        while not self.socket.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"renacer-daemon exited during start-up: {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("renacer-daemon did not start within 20s")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wait_until_parked(pid):
    """Waits until the shell blocks in read(2) on its stdin, so that the
    capture starts at the same point of every run (not in the middle of the
    shell's own start-up)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            # /proc/PID/syscall: the number of the call it is blocked in, then its args.
            fields = Path(f"/proc/{pid}/syscall").read_text().split()
        except OSError:
            fields = []
        if fields[:2] == ["0", "0x0"]:
            return
        time.sleep(0.002)
    raise AssertionError(f"job {pid} did not block reading its stdin within 10s")


class Runner:
    """What a CI runner does around one job."""

    def __init__(self, pb, pb_grpc, stub, socket):
        self.pb = pb
        self.pb_grpc = pb_grpc
        self.stub = stub
        self.socket = socket

    def run_job(self, argv, cwd):
        """Runs argv under a background capture; returns (capture_id, Trace)."""
        # The job waits on its stdin until the capture is on, then execs.
        job = subprocess.Popen(
            ["/bin/sh", "-c", 'read _ready; exec "$@"', "sh", *argv],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, cwd=cwd, env=JOB_ENV,
        )
        try:
            wait_until_parked(job.pid)
            started = self.stub.StartCapture(self.pb.StartCaptureRequest(
                pid=job.pid, command=list(argv),
                decode=self.pb.DecodeOptions(buffer_limit=4096),
            ))
        except Exception:
            job.kill()
            job.wait()
            raise
        job.stdin.write(b"go\n")
        job.stdin.close()
        code = job.wait(timeout=60)
        if code != 0:
            raise AssertionError(f"job {argv} exited with {code}")
        stopped = self.stub.StopCapture(self.pb.StopCaptureRequest(capture_id=started.capture_id))
        return started.capture_id, stopped.trace

    def by_id(self, capture_id):
        return self.pb.TraceSource(capture_id=capture_id)

    def by_json(self, text):
        return self.pb.TraceSource(json=text)


def example(name):
    path = BIN / name
    if not path.exists():
        raise AssertionError(f"{path} is missing: build with `cargo build`")
    return str(path)


# ---------------------------------------------------------------------------
# Tests: each takes (runner, grpc, scratch directory).

def test_stop_capture_returns_the_json_trace(r, grpc, tmp):
    capture_id, trace = r.run_job([example("fileio")], tmp)
    doc = json.loads(trace.json)
    assert doc["format"] == "renacer-json-v1", doc["format"]
    assert len(doc["syscalls"]) == len(trace.syscalls) > 0
    names = [s["name"] for s in doc["syscalls"]]
    # fileio: three lines to the file, one copy to stdout.
    assert names.count("write") == 4, names.count("write")
    assert "execve" in names and names[-1] == "exit_group", names[-3:]
    assert doc["drops"] == {"kernel": 0, "daemon": 0}, doc["drops"]


def test_compare_with_golden_passes(r, grpc, tmp):
    golden = (GOLDEN / "wordcount.json").read_text()
    argv = [example("wordcount"), str(EXAMPLES / "data" / "wordcount-input.txt")]
    capture_id, _ = r.run_job(argv, tmp)
    resp = r.stub.Compare(r.pb.CompareRequest(
        baseline=r.by_json(golden), candidate=r.by_id(capture_id), tolerance_percent=10,
    ))
    assert resp.equivalent, resp.report
    assert resp.report.startswith("PASS"), resp.report
    assert not resp.divergences
    assert resp.baseline_total == len(json.loads(golden)["syscalls"])
    assert resp.runtime_ratio > 0
    assert any(d.name == "write" for d in resp.count_deltas)


def test_python_port_matches_the_rust_golden(r, grpc, tmp):
    golden = (GOLDEN / "wordcount.json").read_text()
    argv = ["/usr/bin/python3", str(EXAMPLES / "wordcount.py"),
            str(EXAMPLES / "data" / "wordcount-input.txt")]
    capture_id, _ = r.run_job(argv, tmp)
    resp = r.stub.Compare(r.pb.CompareRequest(baseline=r.by_json(golden), candidate=r.by_id(capture_id)))
    assert resp.equivalent, resp.report
    # Far more calls, reported but not failed without an explicit tolerance.
    assert resp.candidate_total > 2 * resp.baseline_total
    assert "informational" in resp.report


def test_seeded_divergence_fails_at_the_write(r, grpc, tmp):
    a_id, _ = r.run_job([example("fileio"), "hello world"], tmp)
    b_id, b_trace = r.run_job([example("fileio"), "hello world!"], tmp)
    resp = r.stub.Compare(r.pb.CompareRequest(baseline=r.by_id(a_id), candidate=r.by_id(b_id)))
    assert not resp.equivalent, resp.report
    stdout = [d for d in resp.divergences if d.target == "stdout"]
    assert len(stdout) == 1, resp.report
    d = stdout[0]
    # "hello world\n" vs "hello world!\n": the first differing byte is at offset 11.
    assert d.kind == "write-data" and d.offset == 11, d
    assert d.HasField("candidate_index")
    at = b_trace.syscalls[d.candidate_index]
    assert at.name == "write" and at.ret == 13, at


def test_extra_child_is_a_spawned_process(r, grpc, tmp):
    a_id, _ = r.run_job([example("forktree"), "1", "2"], tmp)
    b_id, b_trace = r.run_job([example("forktree"), "1", "2", "3"], tmp)
    resp = r.stub.Compare(r.pb.CompareRequest(baseline=r.by_id(a_id), candidate=r.by_id(b_id)))
    assert not resp.equivalent, resp.report
    spawned = [d for d in resp.divergences if d.kind == "process-spawned"]
    assert len(spawned) == 1, resp.report
    assert not spawned[0].HasField("baseline_index")
    assert b_trace.syscalls[spawned[0].candidate_index].name == "execve", spawned[0]


def test_assert_budgets_pass_and_fail(r, grpc, tmp):
    capture_id, _ = r.run_job([example("fileio")], tmp)
    config = ('[[assertion]]\nname = "writes"\ntype = "span_count"\n'
              'span_name_pattern = "^write$"\nmax_spans = {}\n')
    ok = r.stub.Assert(r.pb.AssertRequest(config_toml=config.format(4), trace=r.by_id(capture_id)))
    assert ok.passed, ok.report
    assert ok.results[0].outcome == "pass" and ok.results[0].actual == 4.0, ok.results[0]
    bad = r.stub.Assert(r.pb.AssertRequest(config_toml=config.format(3), trace=r.by_id(capture_id)))
    assert not bad.passed, bad.report
    res = bad.results[0]
    assert (res.outcome, res.type, res.actual, res.budget) == ("fail", "span_count", 4.0, 3.0), res
    assert "FAIL span_count 'writes'" in res.detail, res.detail
    warn = r.stub.Assert(r.pb.AssertRequest(
        config_toml=config.format(3) + "fail_on_violation = false\n", trace=r.by_id(capture_id)))
    assert warn.passed and warn.results[0].outcome == "warn", warn.report


def test_fetch_and_judge_locally(r, grpc, tmp):
    argv = [example("wordcount"), str(EXAMPLES / "data" / "wordcount-input.txt")]
    _, trace = r.run_job(argv, tmp)
    path = Path(tmp) / "wordcount.json"
    path.write_text(trace.json)
    out = subprocess.run([example("renacerctl"), "compare", str(GOLDEN / "wordcount.json"), str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out
    assert out.stdout.startswith("PASS"), out.stdout


def test_bad_toml_is_invalid_argument_with_position(r, grpc, tmp):
    capture_id, _ = r.run_job(["/bin/true"], tmp)
    bad = '[[assertion]]\nname = "x"\ntype = "latency"\n'
    try:
        r.stub.Assert(r.pb.AssertRequest(config_toml=bad, trace=r.by_id(capture_id)))
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err
        assert "line 3" in err.details() and "column" in err.details(), err.details()
    else:
        raise AssertionError("a bad renacer.toml was accepted")


def test_bad_json_is_invalid_argument_with_position(r, grpc, tmp):
    try:
        r.stub.Compare(r.pb.CompareRequest(baseline=r.by_json('{\n  "format": ]\n}'),
                                           candidate=r.by_json("{}")))
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err
        assert "baseline" in err.details() and "line 2, column" in err.details(), err.details()
    else:
        raise AssertionError("malformed JSON was accepted")


def test_unknown_and_evicted_capture_ids_are_not_found(r, grpc, tmp):
    ids = [r.run_job(["/bin/true"], tmp)[0] for _ in range(9)]
    source = lambda i: r.pb.AssertRequest(
        config_toml='[[assertion]]\nname = "n"\ntype = "span_count"\nmax_spans = 1000\n',
        trace=r.by_id(i))
    # The daemon keeps the last 8 stopped traces: the oldest is gone.
    assert r.stub.Assert(source(ids[-1])).passed
    assert r.stub.Assert(source(ids[1])).passed
    for missing in (ids[0], 4_000_000_000):
        try:
            r.stub.Assert(source(missing))
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.NOT_FOUND, err
            assert str(missing) in err.details(), err.details()
        else:
            raise AssertionError(f"capture id {missing} was found")


def test_multi_megabyte_traces_go_both_ways(r, grpc, tmp):
    # 20000 one-byte copies: a trace of about 10 MB of JSON, over gRPC's
    # default 4 MB message limit in both directions.
    argv = ["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=20000", "status=none"]
    a_id, a_trace = r.run_job(argv, tmp)
    assert len(a_trace.json) > 4 << 20, len(a_trace.json)
    b_id, _ = r.run_job(argv, tmp)
    resp = r.stub.Compare(r.pb.CompareRequest(
        baseline=r.by_json(a_trace.json), candidate=r.by_id(b_id), tolerance_percent=1))
    assert resp.equivalent, resp.report
    assert resp.baseline_total == resp.candidate_total, resp.report


def test_stock_channel_status_health_and_reflection(r, grpc, tmp):
    """A channel with no options at all: grpcio's default :authority for a
    unix: target is the percent-encoded socket path, which the daemon accepts."""
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    channel = grpc.insecure_channel(f"unix:{r.socket}")
    try:
        status = r.pb_grpc.TracerStub(channel).Status(r.pb.StatusRequest(), timeout=10)
        assert status.version and status.kernel, status
        # grpc.health.v1.Health/Check with an empty request: SERVING is b"\x08\x01".
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        assert check(b"", timeout=10) == b"\x08\x01"
        ask = reflection_pb2.ServerReflectionRequest(list_services="")
        # grpcio-reflection's client speaks v1alpha; v1 has the same messages.
        for method in ("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                       "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"):
            call = channel.stream_stream(
                method,
                request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
            )
            (reply,) = list(call(iter([ask]), timeout=10))
            names = {service.name for service in reply.list_services_response.service}
            assert {"renacer.v1.Tracer", "grpc.health.v1.Health"} <= names, (method, names)
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        ask = reflection_pb2.ServerReflectionRequest(file_containing_symbol="renacer.v1.Tracer")
        (reply,) = list(stub.ServerReflectionInfo(iter([ask]), timeout=10))
        assert reply.file_descriptor_response.file_descriptor_proto, reply
    finally:
        channel.close()


def main():
    if os.geteuid() != 0:
        print("test_ci_runner: needs root (the daemon loads eBPF programs)", file=sys.stderr)
        return 2
    import grpc

    started = time.monotonic()
    tests = [(name, fn) for name, fn in globals().items() if name.startswith("test_") and callable(fn)]
    selected = [t for t in tests if not sys.argv[1:] or any(a in t[0] for a in sys.argv[1:])]
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="renacer-pytest-") as workdir:
        pb, pb_grpc = generate_stubs(Path(workdir))
        daemon = Daemon(Path(workdir))
        try:
            channel = grpc.insecure_channel(f"unix:{daemon.socket}", options=[
                # Whole traces travel in one message.
                ("grpc.max_receive_message_length", 256 << 20),
                ("grpc.max_send_message_length", 256 << 20),
            ])
            runner = Runner(pb, pb_grpc, pb_grpc.TracerStub(channel), daemon.socket)
            print(f"\nrunning {len(selected)} tests (python CI runner over gRPC)")
            for name, fn in selected:
                scratch = Path(workdir) / name
                scratch.mkdir()
                try:
                    fn(runner, grpc, str(scratch))
                    print(f"test {name} ... ok")
                    passed += 1
                except Exception:
                    print(f"test {name} ... FAILED")
                    traceback.print_exc()
                    failed += 1
            channel.close()
        finally:
            daemon.stop()
    verdict = "ok" if failed == 0 else "FAILED"
    print(f"\ntest result: {verdict}. {passed} passed; {failed} failed; 0 ignored; 0 measured; "
          f"{len(tests) - len(selected)} filtered out; finished in {time.monotonic() - started:.2f}s\n")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
