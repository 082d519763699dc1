-- The members now live in segment_member_chunks (0012 copied them).
DROP TABLE `segment_members`;