// A protoc that knows one generator: C++. Built from the protobuf 3.5.0 sources so that the
// message headers it writes match the protobuf runtime compiled into libmesos 1.11.0.
#include <google/protobuf/compiler/command_line_interface.h>
#include <google/protobuf/compiler/cpp/cpp_generator.h>

int main(int argc, char* argv[]) {
  google::protobuf::compiler::CommandLineInterface cli;
  google::protobuf::compiler::cpp::CppGenerator cpp;
  cli.RegisterGenerator("--cpp_out", "--cpp_opt", &cpp, "Generate C++ header and source.");
  return cli.Run(argc, argv);
}
