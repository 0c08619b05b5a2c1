/* The generated R4 model table (data/r4/model.json), embedded as bytes. */
  .section .rodata
  .global kiln_model_json_begin
  .global kiln_model_json_end
  .balign 16
kiln_model_json_begin:
  .incbin KILN_MODEL_JSON
kiln_model_json_end:
  .byte 0
  .section .note.GNU-stack,"",@progbits
