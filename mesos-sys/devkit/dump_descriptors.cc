// Reads proto file descriptors out of the descriptor pool compiled into libmesos and writes
// them, with every file they import, as one serialized FileDescriptorSet on stdout.
//
// usage: dump_descriptors <required.proto>... [--optional <file.proto>...]
// Exits 2 when a required file is not in the pool; optional ones are skipped with a note.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <set>
#include <string>

namespace {

void add_with_dependencies(const google::protobuf::FileDescriptor* file,
                           std::set<std::string>* seen,
                           google::protobuf::FileDescriptorSet* out) {
  if (!seen->insert(file->name()).second) return;
  // Dependencies first, so the set can be loaded in order.
  for (int i = 0; i < file->dependency_count(); ++i) {
    add_with_dependencies(file->dependency(i), seen, out);
  }
  file->CopyTo(out->add_file());
}

}  // namespace

int main(int argc, char** argv) {
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> seen;
  bool optional = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--optional") == 0) {
      optional = true;
      continue;
    }
    const google::protobuf::FileDescriptor* file = pool->FindFileByName(argv[i]);
    if (file == nullptr) {
      if (optional) {
        std::fprintf(stderr, "note: %s is not in this libmesos; skipped\n", argv[i]);
        continue;
      }
      std::fprintf(stderr, "error: %s is not in libmesos' descriptor pool\n", argv[i]);
      return 2;
    }
    add_with_dependencies(file, &seen, &set);
  }
  std::string bytes;
  if (!set.SerializeToString(&bytes)) return 3;
  std::cout.write(bytes.data(), bytes.size());
  return std::cout.good() ? 0 : 4;
}
