module manystacks

go 1.19
