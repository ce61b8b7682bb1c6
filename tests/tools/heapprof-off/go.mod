module gomemtrace/heapprofoff

go 1.19
