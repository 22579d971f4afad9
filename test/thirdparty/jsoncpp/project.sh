# JsonCpp: a compiled JSON library (three sources, built here as a shared library, so the
# instrumented code is -fPIC and reaches the runtime from a .so). Tests: the unit-test executable
# (its own framework, 119 cases) and the reader/writer round trip of 63 documents driven by
# Python, once plain and once with the JSON_checker suite. Sourced by scripts/thirdparty-*.sh.
TP_PACKAGE=libjsoncpp
TP_VERSION=1.9.5-4
TP_SHAPE="compiled library (shared)"
TP_NAMESPACE=Json
TP_CMAKE_ARGS=(-DJSONCPP_WITH_TESTS=ON -DJSONCPP_WITH_POST_BUILD_UNITTEST=OFF
               -DJSONCPP_WITH_WARNING_AS_ERROR=ON -DJSONCPP_WITH_PKGCONFIG_SUPPORT=OFF
               -DJSONCPP_WITH_CMAKE_PACKAGE=OFF -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF
               -DBUILD_OBJECT_LIBS=OFF)
# Its instrumented test suite writes 3.1 GB of spans (5.7 million).
TP_SPANS_GB=4
# Both reader/writer tests write their *.actual files into the same source directory: not in
# parallel.
TP_CTEST_JOBS=1
TP_DETAIL_REGEX='^(All [0-9]+ tests passed|Test results:|[0-9]+/[0-9]+ tests passed).*'
# runjsontests.py runs in test/data of the source tree and leaves its outputs there.
TP_TEST_OUTPUTS=('test/data/*.actual' 'test/data/*.actual-rewrite' 'test/data/*.process-output'
                 'test/data/*.rewrite' 'test/jsonchecker/*.actual' 'test/jsonchecker/*.actual-rewrite'
                 'test/jsonchecker/*.process-output' 'test/jsonchecker/*.rewrite')
