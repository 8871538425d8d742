# Runs the plugin (PROGRAM) and compares its standard output with EXPECTED, line for line.
# Used by the example's CTest test; tests/c/run.sh runs that test.
execute_process(COMMAND "${PROGRAM}"
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 100)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "crm-plugin exited with ${rc}\n--- stdout\n${out}--- stderr\n${err}")
endif()
file(READ "${EXPECTED}" expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "crm-plugin printed something else than ${EXPECTED}\n"
    "--- expected\n${expected}--- got\n${out}--- stderr\n${err}")
endif()
message(STATUS "crm-plugin printed the expected output")
