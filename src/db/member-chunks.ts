// Segment members are stored MEMBER_CHUNK slots per row, joined by newlines, on both backends: a
// 1M-member run is ~1000 rows instead of 1M, and a page at any offset is one keyed lookup. An
// erased subject's slot is left empty, so offsets handed out as cursors stay valid.
export const MEMBER_CHUNK = 1024;
