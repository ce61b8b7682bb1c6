module gomemtrace/growloop

go 1.19
