/* The generated R4 search parameter table (data/r4/search-parameters.json), embedded as bytes. */
  .section .rodata
  .global kiln_search_params_json_begin
  .global kiln_search_params_json_end
  .balign 16
kiln_search_params_json_begin:
  .incbin KILN_SEARCH_PARAMS_JSON
kiln_search_params_json_end:
  .byte 0
  .section .note.GNU-stack,"",@progbits
