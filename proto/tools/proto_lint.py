#!/usr/bin/python3
"""Lint of Pasar's contracts (run by ctest as proto_lint_test).

Compiles the given .proto files with protoc into a descriptor set with source info and checks
the project's API rules (docs/conventions.md, STYLE.md: buf STANDARD + Google AIP):
  - package is pasar.<area>.v1 and matches the file's directory;
  - every message, field, oneof, enum, enum value, service and RPC has a leading comment;
  - enum values are UPPER_SNAKE, prefixed with the enum's name, the zero value <ENUM>_UNSPECIFIED;
  - message names PascalCase, field names lower_snake_case;
  - every RPC has its own <Rpc>Request / <Rpc>Response, used by no other RPC;
  - every mutating RPC's request has `string request_id = 1` (mutating = not Get*, List*,
    BatchGet*, Watch*, Quote*, and not in NO_REQUEST_ID below);
  - every List* RPC paginates (page_size, page_token -> next_page_token);
  - money fields (*_idr) are int64.
Exits 1 and prints every violation when one is found.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

READ_PREFIXES = ("Get", "List", "BatchGet", "Watch", "Quote")
# Client-streaming location fixes: idempotent by nature (the newest recorded_at wins).
NO_REQUEST_ID = {"pasar.dispatch.v1.CourierService.ReportLocations"}

FDP = descriptor_pb2.FieldDescriptorProto
# Tags of FileDescriptorProto / DescriptorProto / ... used in SourceCodeInfo paths.
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MSG_FIELD, MSG_NESTED, MSG_ENUM, MSG_ONEOF = 2, 3, 4, 8
ENUM_VALUE, SERVICE_METHOD = 2, 2

UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
LOWER_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def upper_snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


class Linter:
    def __init__(self, fds):
        self.errors = []
        self.messages = {}  # full name -> DescriptorProto
        for f in fds.file:
            self._index(f.package, f.message_type)
        self.fds = fds
        self.field_comments = {}  # "pkg.Message.field" -> leading comment (top-level messages)
        for f in fds.file:
            by_path = {tuple(loc.path): loc.leading_comments for loc in f.source_code_info.location}
            for i, msg in enumerate(f.message_type):
                for j, field in enumerate(msg.field):
                    key = f"{f.package}.{msg.name}.{field.name}"
                    self.field_comments[key] = by_path.get((FILE_MESSAGE, i, MSG_FIELD, j), "")

    def _index(self, prefix, messages):
        for m in messages:
            full = prefix + "." + m.name
            self.messages[full] = m
            self._index(full, m.nested_type)

    def field_comment(self, type_name, field_name):
        return self.field_comments.get(type_name.lstrip(".") + "." + field_name, "")

    def error(self, fname, what):
        self.errors.append(f"{fname}: {what}")

    def run(self):
        for f in self.fds.file:
            comments = {}
            for loc in f.source_code_info.location:
                comments[tuple(loc.path)] = loc.leading_comments.strip()
            self.lint_file(f, comments)
        return self.errors

    def need_comment(self, f, comments, path, what):
        if not comments.get(tuple(path)):
            self.error(f.name, f"{what} has no leading comment")

    def lint_file(self, f, comments):
        m = re.match(r"^pasar\.([a-z]+)\.v1$", f.package)
        if not m:
            self.error(f.name, f"package {f.package} is not pasar.<area>.v1")
        elif os.path.dirname(f.name) != f.package.replace(".", "/"):
            self.error(f.name, f"package {f.package} does not match its directory")
        if f.syntax != "proto3":
            self.error(f.name, "syntax is not proto3")
        for i, msg in enumerate(f.message_type):
            self.lint_message(f, comments, msg, [FILE_MESSAGE, i], f.package)
        for i, enum in enumerate(f.enum_type):
            self.lint_enum(f, comments, enum, [FILE_ENUM, i], f.package)
        for i, svc in enumerate(f.service):
            self.lint_service(f, comments, svc, [FILE_SERVICE, i])

    def lint_message(self, f, comments, msg, path, prefix):
        full = prefix + "." + msg.name
        if msg.options.map_entry:
            return
        self.need_comment(f, comments, path, f"message {full}")
        if not PASCAL.match(msg.name):
            self.error(f.name, f"message {full} is not PascalCase")
        for j, field in enumerate(msg.field):
            fname = f"field {full}.{field.name}"
            self.need_comment(f, comments, path + [MSG_FIELD, j], fname)
            if not LOWER_SNAKE.match(field.name):
                self.error(f.name, f"{fname} is not lower_snake_case")
            if field.name.endswith("_idr") and field.type != FDP.TYPE_INT64:
                self.error(f.name, f"{fname} is money but not int64")
        for j, oneof in enumerate(msg.oneof_decl):
            if oneof.name.startswith("_"):  # synthetic oneof of a proto3 `optional` field
                continue
            self.need_comment(f, comments, path + [MSG_ONEOF, j], f"oneof {full}.{oneof.name}")
        for j, nested in enumerate(msg.nested_type):
            self.lint_message(f, comments, nested, path + [MSG_NESTED, j], full)
        for j, enum in enumerate(msg.enum_type):
            self.lint_enum(f, comments, enum, path + [MSG_ENUM, j], full)

    def lint_enum(self, f, comments, enum, path, prefix):
        full = prefix + "." + enum.name
        self.need_comment(f, comments, path, f"enum {full}")
        want = upper_snake(enum.name) + "_"
        if not enum.value or enum.value[0].number != 0:
            self.error(f.name, f"enum {full} does not start with its zero value")
        elif enum.value[0].name != want + "UNSPECIFIED":
            self.error(f.name, f"enum {full} zero value is {enum.value[0].name}, "
                       f"want {want}UNSPECIFIED")
        for k, value in enumerate(enum.value):
            self.need_comment(f, comments, path + [ENUM_VALUE, k],
                              f"enum value {full}.{value.name}")
            if not value.name.startswith(want) or not UPPER_SNAKE.match(value.name):
                self.error(f.name, f"enum value {full}.{value.name} is not UPPER_SNAKE "
                           f"prefixed with {want}")

    def lint_service(self, f, comments, svc, path):
        full = f.package + "." + svc.name
        self.need_comment(f, comments, path, f"service {full}")
        if not svc.name.endswith("Service"):
            self.error(f.name, f"service {full} does not end with Service")
        seen_types = {}
        for k, rpc in enumerate(svc.method):
            rname = f"rpc {full}.{rpc.name}"
            self.need_comment(f, comments, path + [SERVICE_METHOD, k], rname)
            for type_name, suffix in ((rpc.input_type, "Request"), (rpc.output_type, "Response")):
                short = type_name.rsplit(".", 1)[-1]
                if short != rpc.name + suffix:
                    self.error(f.name, f"{rname} uses {short}, want {rpc.name}{suffix}")
                if type_name in seen_types:
                    self.error(f.name, f"{rname} shares {short} with {seen_types[type_name]}")
                seen_types[type_name] = rpc.name
            request = self.messages.get(rpc.input_type.lstrip("."))
            response = self.messages.get(rpc.output_type.lstrip("."))
            if request is None or response is None:
                self.error(f.name, f"{rname} uses messages of another file")
                continue
            fields = {fd.name: fd for fd in request.field}
            mutating = not rpc.name.startswith(READ_PREFIXES)
            if mutating and f"{full}.{rpc.name}" not in NO_REQUEST_ID:
                rid = fields.get("request_id")
                if rid is None or rid.type != FDP.TYPE_STRING or rid.number != 1 or \
                        rid.label == FDP.LABEL_REPEATED:
                    self.error(f.name, f"{rname} mutates but {request.name} lacks "
                               f"`string request_id = 1`")
                elif "1..128" not in self.field_comment(rpc.input_type, "request_id"):
                    self.error(f.name, f"{request.name}.request_id does not document its "
                               f"limits (1..128 characters)")
            if rpc.name.startswith("List"):
                size, token = fields.get("page_size"), fields.get("page_token")
                nxt = {fd.name: fd for fd in response.field}.get("next_page_token")
                if size is None or size.type != FDP.TYPE_INT32 or token is None or \
                        token.type != FDP.TYPE_STRING or nxt is None or \
                        nxt.type != FDP.TYPE_STRING:
                    self.error(f.name, f"{rname} does not paginate (int32 page_size, string "
                               f"page_token, string next_page_token)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protoc", default="protoc")
    parser.add_argument("--proto-root", required=True)
    parser.add_argument("--include", action="append", default=[])
    parser.add_argument("files", nargs="+", help="paths relative to --proto-root")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        cmd = [args.protoc, "-I", args.proto_root]
        for inc in args.include:
            cmd += ["-I", inc]
        cmd += ["--include_source_info", f"--descriptor_set_out={out}"] + args.files
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print("protoc failed:\n" + done.stderr, file=sys.stderr)
            return 1
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as fh:
            fds.ParseFromString(fh.read())

    errors = Linter(fds).run()
    for e in errors:
        print(e, file=sys.stderr)
    counts = (len(fds.file), sum(len(f.service) for f in fds.file),
              sum(len(s.method) for f in fds.file for s in f.service))
    if errors:
        print(f"proto lint: {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(f"proto lint: OK ({counts[0]} files, {counts[1]} services, {counts[2]} rpcs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
