namespace app {
int broken() { return undeclared_name; }
} // namespace app
