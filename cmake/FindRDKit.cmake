# FindRDKit
# ---------
# Debian's librdkit-dev (2022.09) ships headers and shared libraries but no CMake
# package, so we locate them ourselves and expose one imported target per RDKit
# library we use: RDKit::<Name> for libRDKit<Name>.so.
#
# Input:   RDKit_ROOT (optional hint), RDKit_FIND_COMPONENTS (e.g. GraphMol SmilesParse)
# Output:  RDKit_FOUND, RDKit_INCLUDE_DIRS, RDKit_VERSION, imported targets RDKit::<component>
#
# RDKit headers include Boost; Boost's headers must be present (libboost-dev).

find_path(RDKit_INCLUDE_DIR
  NAMES GraphMol/ROMol.h
  HINTS ${RDKit_ROOT} ENV RDKit_ROOT ENV RDBASE
  PATH_SUFFIXES include/rdkit rdkit Code)

find_package(Boost QUIET)

if(RDKit_INCLUDE_DIR AND EXISTS "${RDKit_INCLUDE_DIR}/RDGeneral/versions.h")
  file(STRINGS "${RDKit_INCLUDE_DIR}/RDGeneral/versions.h" _rdkit_version_line
       REGEX "RDKIT_VERSION|rdkitVersion")
endif()
# versions.h only declares the version string; libRDKitRDGeneral defines it. Use the
# Debian package version when available so configure output is informative.
execute_process(COMMAND dpkg-query -W -f=\${Version} librdkit-dev
  OUTPUT_VARIABLE RDKit_VERSION ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)

set(_rdkit_missing "")
foreach(_comp IN LISTS RDKit_FIND_COMPONENTS)
  find_library(RDKit_${_comp}_LIBRARY
    NAMES RDKit${_comp}
    HINTS ${RDKit_ROOT} ENV RDKit_ROOT ENV RDBASE
    PATH_SUFFIXES lib lib64)
  if(RDKit_${_comp}_LIBRARY)
    set(RDKit_${_comp}_FOUND TRUE)
    if(NOT TARGET RDKit::${_comp})
      add_library(RDKit::${_comp} SHARED IMPORTED)
      set_target_properties(RDKit::${_comp} PROPERTIES
        IMPORTED_LOCATION "${RDKit_${_comp}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIR}")
      if(Boost_FOUND)
        set_property(TARGET RDKit::${_comp} APPEND PROPERTY
          INTERFACE_INCLUDE_DIRECTORIES "${Boost_INCLUDE_DIRS}")
      endif()
    endif()
  else()
    list(APPEND _rdkit_missing ${_comp})
  endif()
  mark_as_advanced(RDKit_${_comp}_LIBRARY)
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit
  REQUIRED_VARS RDKit_INCLUDE_DIR Boost_FOUND
  VERSION_VAR RDKit_VERSION
  HANDLE_COMPONENTS
  REASON_FAILURE_MESSAGE "install librdkit-dev and libboost-dev (missing components: ${_rdkit_missing})")

set(RDKit_INCLUDE_DIRS ${RDKit_INCLUDE_DIR})
mark_as_advanced(RDKit_INCLUDE_DIR)
