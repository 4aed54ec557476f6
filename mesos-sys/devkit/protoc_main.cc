// A protoc that knows one generator: C++. Built from the sources of the protobuf release compiled
// into the kit's libmesos (3.5.0, or 3.3.0 for Mesos 1.4), so that the message headers it writes
// match that runtime.
#include <google/protobuf/compiler/command_line_interface.h>
#include <google/protobuf/compiler/cpp/cpp_generator.h>

int main(int argc, char* argv[]) {
  google::protobuf::compiler::CommandLineInterface cli;
  google::protobuf::compiler::cpp::CppGenerator cpp;
  cli.RegisterGenerator("--cpp_out", "--cpp_opt", &cpp, "Generate C++ header and source.");
  return cli.Run(argc, argv);
}
