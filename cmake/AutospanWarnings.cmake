# autospan_target_warnings(<target>): the project's warning set, applied privately so that
# consumers never inherit it.
function(autospan_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                         -Woverloaded-virtual -Wformat=2)
endfunction()
