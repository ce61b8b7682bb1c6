module gomemtrace/bench

go 1.19
