# The fuzz targets and the library each one exercises, shared by fuzz/ (libFuzzer builds)
# and tests/fuzz/ (corpus replay in normal builds). A target is built only once its
# fuzz/<name>_fuzz.cc exists and its library is defined, so the table may name parsers
# that are still being written.
set(PODIUM_FUZZ_TARGETS
  stun:podium_ice
  rtp:podium_rtp
  rtcp:podium_rtp
  sdp:podium_sdp
  signaling:podium_api
  srtp:podium_srtp
  mixer:podium_sfu
)

# podium_fuzz_target_split(<entry> <name_var> <library_var>)
function(podium_fuzz_target_split entry name_var library_var)
  string(REPLACE ":" ";" pair "${entry}")
  list(GET pair 0 name)
  list(GET pair 1 library)
  set(${name_var} ${name} PARENT_SCOPE)
  set(${library_var} ${library} PARENT_SCOPE)
endfunction()
