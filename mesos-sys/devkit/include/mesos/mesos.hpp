// mesos-rs dev kit: the message classes of the kit's libmesos.
//
// A real Mesos installation's mesos.hpp pulls in more (type utilities, stout); the driver API
// needs only the generated message classes, whose header the dev kit generates with the protoc of
// libmesos' own protobuf runtime (3.5.0) from the descriptors compiled into
// libmesos itself.
#ifndef MESOS_RS_DEVKIT_MESOS_HPP
#define MESOS_RS_DEVKIT_MESOS_HPP

#include <mesos/mesos.pb.h>
#include <mesos/version.hpp>

#endif
