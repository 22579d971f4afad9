namespace app {
int f() { return 1; }
} // namespace app
