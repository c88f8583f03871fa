# ctest fixture (tests/CMakeLists.txt): empties the tests' scratch folder before a run.
if(NOT DIR)
  message(FATAL_ERROR "fresh_tmpdir.cmake: pass -DDIR=<folder>")
endif()
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
