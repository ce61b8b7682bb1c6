module gomemtrace/demo

go 1.19
