// Compiler signature strings (__PRETTY_FUNCTION__ of GCC and Clang) to span names.
#include "core/signature.h"

#include <catch2/catch.hpp>

using autospan::internal::normalize_signature;

TEST_CASE("signatures become qualified names", "[signature]") {
  CHECK(normalize_signature("void app::Loader::load(int)") == "app::Loader::load");
  CHECK(normalize_signature("int app::f()") == "app::f");
  CHECK(normalize_signature("static void app::X::make()") == "app::X::make");
  CHECK(normalize_signature("virtual void app::X::run() const") == "app::X::run");
  CHECK(normalize_signature("void app::X::run() const &&") == "app::X::run");
  CHECK(normalize_signature("app::Loader::Loader(int)") == "app::Loader::Loader");
  CHECK(normalize_signature("app::Loader::~Loader()") == "app::Loader::~Loader");
  CHECK(normalize_signature("std::vector<int> app::g(const std::string &)") == "app::g");
  CHECK(normalize_signature("int *app::p()") == "app::p");
  CHECK(normalize_signature("const char* app::q(int (*)(int))") == "app::q");
  CHECK(normalize_signature("void f()") == "f");
  CHECK(normalize_signature("int main(int, char **)") == "main");
  CHECK(normalize_signature("void (anonymous namespace)::helper()") ==
        "(anonymous namespace)::helper");
}

TEST_CASE("operators keep their spelling", "[signature]") {
  CHECK(normalize_signature("bool app::V::operator==(const app::V &) const") ==
        "app::V::operator==");
  CHECK(normalize_signature("app::V &app::V::operator<<(int)") == "app::V::operator<<");
  CHECK(normalize_signature("app::V *app::P::operator->()") == "app::P::operator->");
  CHECK(normalize_signature("void *app::A::operator new(unsigned long)") == "app::A::operator new");
  CHECK(normalize_signature("int app::F::operator()(int)") == "app::F::operator()");
}

TEST_CASE("templates drop their argument bindings", "[signature]") {
  CHECK(normalize_signature("T app::id(T) [T = int]") == "app::id");      // Clang
  CHECK(normalize_signature("T app::id(T) [with T = int]") == "app::id"); // GCC
  CHECK(normalize_signature("void app::Box<int>::put(T) [T = int]") == "app::Box<int>::put");
}

TEST_CASE("lambdas are named after where they are", "[signature]") {
  // Clang
  CHECK(normalize_signature("auto app::run()::(anonymous class)::operator()() const", "/src/a.cpp",
                            42) == "app::run::<lambda at a.cpp:42>");
  CHECK(normalize_signature("auto app::run()::(lambda at /src/a.cpp:42:5)::operator()() const") ==
        "app::run::<lambda at a.cpp:42>");
  // GCC
  CHECK(normalize_signature("app::run()::<lambda()>") == "app::run::<lambda>");
  CHECK(normalize_signature("app::run()::<lambda(int)>") == "app::run::<lambda>");
}
