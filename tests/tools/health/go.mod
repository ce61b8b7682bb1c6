module gomemtrace/health

go 1.21
