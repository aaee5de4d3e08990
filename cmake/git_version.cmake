# Writes OUTPUT (a header) with VIDSERVE_GIT_DESCRIBE, `git describe` of SOURCE_DIR ("" outside a
# git checkout). Run at every build; the file is rewritten only when the text changes, so only
# what includes it recompiles, and only after a commit.
set(describe "")
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --tags
                  WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
set(text "#pragma once\n#define VIDSERVE_GIT_DESCRIBE \"${describe}\"\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUTPUT} "${text}")
endif()
