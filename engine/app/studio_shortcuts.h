// The studio's keyboard shortcuts (arrows step the source, Space plays a video, Esc clears the
// selection, Ctrl+Z undoes an edit, F1 lists them), read once a frame before the panels draw.
#pragma once

namespace unitscope::engine {

class Studio;

// Acts on this frame's key presses unless a text field has the keyboard (its arrows, Space and
// Ctrl+Z are the field's); F1 flips `show_help`.
void handle_shortcuts(Studio& studio, bool& show_help);
// The window listing the shortcuts while `open`; its close button clears `open`.
void draw_shortcut_help(bool& open);

}  // namespace unitscope::engine
