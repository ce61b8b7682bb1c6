module gomemtrace/workload

go 1.19
