// autospan version (kept in sync with project(VERSION) in the top-level CMakeLists.txt).
#ifndef AUTOSPAN_VERSION_H
#define AUTOSPAN_VERSION_H

#define AUTOSPAN_VERSION_MAJOR 0
#define AUTOSPAN_VERSION_MINOR 1
#define AUTOSPAN_VERSION_PATCH 0
#define AUTOSPAN_VERSION_STRING "0.1.0"

#endif // AUTOSPAN_VERSION_H
