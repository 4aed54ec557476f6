#!/usr/bin/env python3
"""Write .proto source for files of a FileDescriptorSet (the one the dev kit reads out of
libmesos), so that the project owns a schema equal to what libmesos was built with.

usage: fds_to_proto.py <set.fds> <out-dir> <file.proto>...

Needs the `protobuf` Python package (pip install protobuf). Only what the descriptors hold is
written: names, numbers, labels, types, defaults, oneofs and the options protoc keeps.
"""
import os
import sys

from google.protobuf import descriptor_pb2 as d

TYPES = {
    d.FieldDescriptorProto.TYPE_DOUBLE: "double", d.FieldDescriptorProto.TYPE_FLOAT: "float",
    d.FieldDescriptorProto.TYPE_INT64: "int64", d.FieldDescriptorProto.TYPE_UINT64: "uint64",
    d.FieldDescriptorProto.TYPE_INT32: "int32", d.FieldDescriptorProto.TYPE_FIXED64: "fixed64",
    d.FieldDescriptorProto.TYPE_FIXED32: "fixed32", d.FieldDescriptorProto.TYPE_BOOL: "bool",
    d.FieldDescriptorProto.TYPE_STRING: "string", d.FieldDescriptorProto.TYPE_BYTES: "bytes",
    d.FieldDescriptorProto.TYPE_UINT32: "uint32", d.FieldDescriptorProto.TYPE_SFIXED32: "sfixed32",
    d.FieldDescriptorProto.TYPE_SFIXED64: "sfixed64", d.FieldDescriptorProto.TYPE_SINT32: "sint32",
    d.FieldDescriptorProto.TYPE_SINT64: "sint64",
}
LABELS = {1: "optional", 2: "required", 3: "repeated"}


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field_line(f, in_oneof, proto3):
    t = TYPES.get(f.type) or f.type_name
    opts = []
    if f.HasField("default_value"):
        v = f.default_value
        if f.type in (d.FieldDescriptorProto.TYPE_STRING, d.FieldDescriptorProto.TYPE_BYTES):
            v = quote(v)
        opts.append("default = " + v)
    if f.options.HasField("deprecated") and f.options.deprecated:
        opts.append("deprecated = true")
    if f.options.HasField("packed"):
        opts.append("packed = " + ("true" if f.options.packed else "false"))
    if f.HasField("json_name") and False:
        pass
    label = "" if in_oneof or (proto3 and f.label == 1) else LABELS[f.label] + " "
    o = (" [" + ", ".join(opts) + "]") if opts else ""
    return "%s%s %s = %d%s;" % (label, t, f.name, f.number, o)


def enum_lines(e, ind):
    out = ["%senum %s {" % (ind, e.name)]
    if e.options.HasField("allow_alias") and e.options.allow_alias:
        out.append(ind + "  option allow_alias = true;")
    for v in e.value:
        dep = " [deprecated = true]" if v.options.deprecated else ""
        out.append("%s  %s = %d%s;" % (ind, v.name, v.number, dep))
    out.append(ind + "}")
    return out


def message_lines(m, ind, proto3):
    out = ["%smessage %s {" % (ind, m.name)]
    maps = {n.name for n in m.nested_type if n.options.map_entry}
    for e in m.enum_type:
        out += enum_lines(e, ind + "  ")
    for n in m.nested_type:
        if n.options.map_entry:
            continue
        out += message_lines(n, ind + "  ", proto3)
    oneof_done = set()
    for f in m.field:
        if f.HasField("oneof_index") and not f.proto3_optional:
            idx = f.oneof_index
            if idx in oneof_done:
                continue
            oneof_done.add(idx)
            out.append("%s  oneof %s {" % (ind, m.oneof_decl[idx].name))
            for g in m.field:
                if g.HasField("oneof_index") and g.oneof_index == idx:
                    out.append("%s    %s" % (ind, field_line(g, True, proto3)))
            out.append(ind + "  }")
            continue
        tn = f.type_name.rsplit(".", 1)[-1]
        if f.label == 3 and tn in maps:
            entry = next(n for n in m.nested_type if n.name == tn)
            k, v = entry.field[0], entry.field[1]
            kt = TYPES.get(k.type) or k.type_name
            vt = TYPES.get(v.type) or v.type_name
            out.append("%s  map<%s, %s> %s = %d;" % (ind, kt, vt, f.name, f.number))
            continue
        out.append("%s  %s" % (ind, field_line(f, False, proto3)))
    for r in m.extension_range:
        out.append("%s  extensions %d to %d;" % (ind, r.start, r.end - 1))
    for r in m.reserved_range:
        out.append("%s  reserved %d to %d;" % (ind, r.start, r.end - 1))
    out.append(ind + "}")
    return out


def render(fd):
    proto3 = fd.syntax == "proto3"
    out = ["// Schema of %s as compiled into libmesos 1.11.0, written by" % fd.name,
           "// mesos-sys/devkit/fds_to_proto.py from the descriptors the dev kit reads out of the library.",
           "// Checked against libmesos by tests/schema_conformance.rs.", "",
           'syntax = "%s";' % (fd.syntax or "proto2"), ""]
    out.append("package %s;" % fd.package)
    out.append("")
    for dep in fd.dependency:
        out.append('import "%s";' % dep)
    if fd.dependency:
        out.append("")
    for e in fd.enum_type:
        out += enum_lines(e, "")
        out.append("")
    for m in fd.message_type:
        out += message_lines(m, "", proto3)
        out.append("")
    return "\n".join(out)


def main():
    fds = d.FileDescriptorSet()
    fds.ParseFromString(open(sys.argv[1], "rb").read())
    outdir = sys.argv[2]
    wanted = set(sys.argv[3:])
    for fd in fds.file:
        if fd.name in wanted:
            path = os.path.join(outdir, fd.name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").write(render(fd))
            print("wrote", path)


if __name__ == "__main__":
    main()
