#!/usr/bin/python3
"""Calls dcapd from Python with nothing but the proto file.

Generates the message classes at run time with protoc (Debian: protobuf-compiler, libprotobuf-dev)
and calls the service through grpc's generic unary calls (Debian: python3-grpcio,
python3-protobuf). Verifies a quote, reads its record back, downloads the raw bytes and compares
them with the file, checks the quote against the sample collateral at a fixed instant, verifies the
daemon's signed result with its keys (verify_token.py; Debian: python3-jwt, python3-cryptography),
and lists recent quotes. Exits non-zero on any mismatch.

Usage: dcapd_example.py --server HOST:PORT --quote FILE --collateral FILE --at EPOCH_SECONDS [--expect-stored]
"""
import argparse
import base64
import hashlib
import importlib
import json
import os
import subprocess
import sys
import tempfile

import grpc

import verify_token

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROTO_DIR = os.path.join(ROOT, "proto", "src", "main", "proto")
SERVICE = "/dcapd.v1.AttestationService/"
ERROR_DOMAIN = "dcapd.dev"

# google.rpc.Status and ErrorInfo (the error detail dcapd sends), declared here so that no other
# package is needed to read an error's failure code. Field numbers are those of googleapis.
RPC_PROTO = """
syntax = "proto3";
package google.rpc;
import "google/protobuf/any.proto";
message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }
"""


class Mismatch(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Mismatch(what)


def generate(out_dir):
    """Runs protoc on the API's proto file (and the error detail) into out_dir and imports them."""
    rpc_dir = os.path.join(out_dir, "src", "google", "rpc")
    os.makedirs(rpc_dir)
    with open(os.path.join(rpc_dir, "error_details.proto"), "w") as f:
        f.write(RPC_PROTO)
    includes = ["-I", PROTO_DIR, "-I", os.path.join(out_dir, "src"), "-I", "/usr/include"]
    subprocess.run(["protoc", *includes, "--python_out=" + out_dir, "dcapd/v1/attestation.proto",
                    "google/rpc/error_details.proto"], check=True)
    sys.path.insert(0, out_dir)
    return (importlib.import_module("dcapd.v1.attestation_pb2"),
            importlib.import_module("google.rpc.error_details_pb2"))


class Client:
    """The seven RPCs through grpc's generic unary calls."""

    def __init__(self, channel, pb):
        self.pb = pb
        self.channel = channel

    def call(self, method, request, response_type, timeout=30):
        rpc = self.channel.unary_unary(SERVICE + method,
                                       request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=response_type.FromString)
        return rpc(request, timeout=timeout)


def failure_code(error, rpc_pb):
    """The ErrorInfo reason dcapd put in the status details, or None."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = rpc_pb.Status.FromString(value)
            for detail in status.details:
                info = rpc_pb.ErrorInfo()
                if detail.Unpack(info) and info.domain == ERROR_DOMAIN:
                    return info.reason
    return None


def collateral_message(pb, path):
    """The QuoteCollateralV3 JSON file (hex CRLs and signatures) as the API's QuoteCollateral."""
    with open(path) as f:
        c = json.load(f)
    return pb.QuoteCollateral(
        pck_crl_issuer_chain=c["pck_crl_issuer_chain"],
        root_ca_crl=bytes.fromhex(c["root_ca_crl"]),
        pck_crl=bytes.fromhex(c["pck_crl"]),
        tcb_info_issuer_chain=c["tcb_info_issuer_chain"],
        tcb_info=c["tcb_info"],
        tcb_info_signature=bytes.fromhex(c["tcb_info_signature"]),
        qe_identity_issuer_chain=c["qe_identity_issuer_chain"],
        qe_identity=c["qe_identity"],
        qe_identity_signature=bytes.fromhex(c["qe_identity_signature"]),
        pck_certificate_chain=c.get("pck_certificate_chain") or "")


def check_token(client, pb, answer, checksum):
    """The answer's token verifies with the daemon's keys (GetKeys), says what the answer says, and
    one changed byte makes it refused. It is judged as of the answer's instant (verdict.current_at):
    run.sh may run the daemon under faketime, far from this machine's clock; a relying party uses
    its own clock (no `at`)."""
    jwks = client.call("GetKeys", pb.GetKeysRequest(), pb.GetKeysResponse).jwks
    at = answer.verdict.current_at.seconds
    claims = verify_token.verify(answer.token, jwks, at=at)
    status = verify_token.status(claims)
    expect((status in verify_token.ACCEPTED) == answer.success,
           "token ear.status %s, answer success=%s" % (status, answer.success))
    expect(claims["submods"]["quote"]["dcapd"]["checksum"] == checksum, "token about another quote")
    head, body, signature = answer.token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 1
    changed = ".".join([head, body, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()])
    try:
        verify_token.verify(changed, jwks, at=at)
        raise Mismatch("a token with one changed byte verified")
    except verify_token.Refused as e:
        expect(e.reason == "BAD_SIGNATURE", "changed token refused with %s" % e.reason)
    print("token    %s ear.status=%s; one changed byte: BAD_SIGNATURE" % (checksum, status))


def run(args, pb, rpc_pb):
    with open(args.quote, "rb") as f:
        quote = f.read()
    checksum = hashlib.sha256(quote).hexdigest()
    client = Client(grpc.insecure_channel(args.server), pb)

    # 1. Check: the sample collateral at the instant it was valid. Nothing is stored.
    check = client.call("Check", pb.CheckRequest(quote=quote, collateral=collateral_message(pb, args.collateral),
                                                 at={"seconds": args.at}), pb.CheckResponse)
    expect(check.success, "Check did not succeed: %s" % check.verdict.failure.code)
    expect(check.checksum == checksum, "Check checksum %s, file %s" % (check.checksum, checksum))
    expect(check.verdict.tcb_status == "UpToDate", "Check status %s" % check.verdict.tcb_status)
    print("check    %s success=%s tcb_status=%s" % (checksum, check.success, check.verdict.tcb_status))

    # 2. Verify at the daemon's now, asking for a signed result (token "ear"). An answer (success,
    #    or a verdict failure such as COLLATERAL_EXPIRED) stores the quote;
    #    UNAVAILABLE/COLLATERAL_UNAVAILABLE means the daemon found no collateral it could use (the
    #    sample's has expired) and stored nothing.
    stored = False
    try:
        verify = client.call("Verify", pb.VerifyRequest(quote=quote, token="ear"), pb.VerifyResponse)
        expect(verify.checksum == checksum, "Verify checksum %s, file %s" % (verify.checksum, checksum))
        expect(verify.success == verify.verdict.success, "success and verdict.success disagree")
        print("verify   %s success=%s failure=%s" % (checksum, verify.success, verify.verdict.failure.code or "-"))
        stored = True
    except grpc.RpcError as e:
        reason = failure_code(e, rpc_pb)
        expect(e.code() == grpc.StatusCode.UNAVAILABLE and reason == "COLLATERAL_UNAVAILABLE",
               "Verify failed: %s %s %s" % (e.code(), reason, e.details()))
        expect(not args.expect_stored, "Verify stored nothing (COLLATERAL_UNAVAILABLE) but --expect-stored was given")
        print("verify   %s UNAVAILABLE %s (no usable collateral now; nothing stored)" % (checksum, reason))

    # 3. The signed result, checked as a relying party checks it: PyJWT with the daemon's keys.
    #    Verify's token when the quote was stored; else Check signs its verdict (at the daemon's
    #    now: a token states a judgement made then, so Check takes no `at` with it).
    if stored:
        answer = verify
    else:
        answer = client.call("Check", pb.CheckRequest(quote=quote, collateral=collateral_message(pb, args.collateral),
                                                      token="ear"), pb.CheckResponse)
    check_token(client, pb, answer, checksum)

    # 4. The record, the raw bytes and the size, or NOT_FOUND when nothing was stored.
    if stored:
        record = client.call("Get", pb.GetRequest(checksum=checksum), pb.GetResponse)
        expect(record.checksum == checksum, "Get checksum %s" % record.checksum)
        expect(record.verified == verify.success, "Get verified=%s, Verify success=%s" % (record.verified, verify.success))
        expect(record.size == len(quote), "Get size %d, file %d" % (record.size, len(quote)))
        raw = client.call("GetRaw", pb.GetRawRequest(checksum=checksum), pb.GetRawResponse)
        expect(raw.data == quote, "GetRaw bytes differ from the file")
        stat = client.call("StatRaw", pb.StatRawRequest(checksum=checksum), pb.StatRawResponse)
        expect(stat.exists and stat.size == len(quote), "StatRaw %s %d" % (stat.exists, stat.size))
        print("get      %s verified=%s size=%d; raw bytes identical" % (checksum, record.verified, record.size))
    else:
        try:
            client.call("Get", pb.GetRequest(checksum=checksum), pb.GetResponse)
            raise Mismatch("Get found a record although Verify stored nothing")
        except grpc.RpcError as e:
            expect(e.code() == grpc.StatusCode.NOT_FOUND and failure_code(e, rpc_pb) == "NOT_FOUND",
                   "Get: %s %s" % (e.code(), e.details()))
        stat = client.call("StatRaw", pb.StatRawRequest(checksum=checksum), pb.StatRawResponse)
        expect(not stat.exists, "StatRaw says stored although Verify stored nothing")
        print("get      %s NOT_FOUND, as expected" % checksum)

    # 5. Errors carry dcapd's failure code.
    try:
        client.call("Get", pb.GetRequest(checksum="not-a-checksum"), pb.GetResponse)
        raise Mismatch("Get accepted a malformed checksum")
    except grpc.RpcError as e:
        expect(e.code() == grpc.StatusCode.INVALID_ARGUMENT, "malformed checksum: %s" % e.code())

    # 6. Recent, newest first.
    recent = client.call("Recent", pb.RecentRequest(limit=10), pb.RecentResponse)
    listed = [item.checksum for item in recent.items]
    expect((checksum in listed) == stored, "Recent lists %s" % listed)
    print("recent   %d item(s)%s" % (len(listed), "".join("\n         " + c for c in listed)))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--quote", required=True)
    parser.add_argument("--collateral", required=True)
    parser.add_argument("--at", type=int, required=True)
    parser.add_argument("--expect-stored", action="store_true",
                        help="fail unless Verify stores the quote (the daemon has usable collateral)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out_dir:
        pb, rpc_pb = generate(out_dir)
        try:
            return run(args, pb, rpc_pb)
        except Mismatch as e:
            print("python example: MISMATCH: %s" % e, file=sys.stderr)
            return 1
        except verify_token.Refused as e:
            print("python example: the daemon's token was refused: %s" % e, file=sys.stderr)
            return 1
        except grpc.RpcError as e:
            print("python example: %s: %s" % (e.code(), e.details()), file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
