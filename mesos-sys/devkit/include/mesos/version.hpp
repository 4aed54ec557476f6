// mesos-rs dev kit: the version of the libmesos this kit declares.
// A real Mesos installation ships its own version.hpp; this one stands in for it.
#ifndef MESOS_RS_DEVKIT_MESOS_VERSION_HPP
#define MESOS_RS_DEVKIT_MESOS_VERSION_HPP

#define MESOS_VERSION "1.11.0"
#define MESOS_MAJOR_VERSION 1
#define MESOS_MINOR_VERSION 11
#define MESOS_PATCH_VERSION 0

#endif
