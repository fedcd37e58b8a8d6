// The most common passwords of public breach corpora (lowercased), refused for local accounts with
// no network lookup. Short on purpose: the length rule already removes most of such lists; these
// are the ones people still pick when an administrator lowers the minimum, plus padded variants
// that pass a 12-character rule ("password1234").
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `123456 123456789 12345678 password qwerty123 qwerty 1q2w3e4r 111111 12345 1234567890 123123 000000
iloveyou 1234567 1qaz2wsx abc123 password1 123321 qwertyuiop 654321 666666 121212 dragon 987654321
monkey 123qwe 112233 7777777 zaq12wsx 1q2w3e4r5t 555555 sunshine princess football letmein 1q2w3e
welcome 123654 baseball master shadow 696969 superman michael qazwsx trustno1 jordan23 jennifer
hunter2 charlie aa123456 donald password123 qwe123 zxcvbnm 159753 asdfghjkl starwars 1234qwer
freedom whatever computer internet soccer killer hockey batman ashley jessica pepper daniel access
mustang hello 11111111 thomas robert loveme harley ranger buster tigger summer 123abc maggie cheese
ginger hannah joshua amanda andrew matthew samsung lovely flower chelsea secret hello123 passw0rd
qwerty1 abcd1234 test123 admin admin123 administrator root toor guest changeme default letmein1
welcome1 welcome123 p@ssw0rd p@ssword passw0rd1 password! password12 password1234 password12345
password123456 qwerty12345 qwerty123456 qwertyuiop123 1qaz2wsx3edc zaq1zaq1 zaq1xsw2 asdf1234
asdfasdf asdfghjkl123 zxcvbnm123 iloveyou1 iloveyou123 iloveyou1234 princess1 sunshine1 monkey123
dragon123 football1 baseball1 superman1 starwars1 master123 shadow123 michael1 charlie1 jordan
michelle nicole daniel1 anthony justin babygirl lovers chocolate butterfly purple angel angels
jesus christ blessed blink182 liverpool arsenal manchester barcelona realmadrid juventus 88888888
99999999 12341234 12344321 11223344 123456789a a123456789 1234567890q q1w2e3r4 q1w2e3r4t5
q1w2e3r4t5y6 1q2w3e4r5t6y 1qazxsw2 qazwsxedc qweasdzxc qweasd 147258369 159357 741852963
963852741 789456123 123456789123 123456789012 012345678910 1234567891011 987654321012 abcdef
abcdefg abcdefgh abcdefghijkl abc12345 abcd12345 a1b2c3d4 a1b2c3 aaaaaa aaaaaaaa aaaaaaaaaaaa
000000000000 111111111111 121212121212 123123123123 qqqqqqqqqqqq 1111111111 0000000000 letmein123
trustno1234 secret123 secret1234 mypassword mypassword1 mypassword123 yourpassword newpassword
newpassword1 newpassword123 oldpassword password2 password3 password01 password2020 password2021
password2022 password2023 password2024 password2025 password2026 summer2023 summer2024 summer2025
winter2023 winter2024 winter2025 spring2024 spring2025 autumn2024 welcome2024 welcome2025
company123 company1234 changeme123 changeme1234 temp1234 temppassword temporary test1234
testtest testing123 testpassword demo1234 demopassword guest1234 user1234 username password1!
qwerty1234 qwertyqwerty qwerty12 qwertyui asdfqwer zxcvasdf 1password 12qwaszx 1q2w3e4r5t6y7u
iloveyou2 loveyou lovelove mylove forever forever1 friends family family123 happy123 hello1234
helloworld helloworld1 helloworld123 welcomewelcome computer1 computer123 internet1 football123
soccer123 basketball basketball1 baseball123 hockey123 tennis golf golfer fishing hunting
monday friday sunday january february december pokemon pikachu minecraft fortnite naruto
doraemon snoopy mickey mickeymouse disney matrix matrix123 starwars123 gandalf frodo hogwarts
harrypotter spiderman batman123 ironman superman123 wolverine avengers marvel ferrari porsche
mercedes corvette yamaha harley1 chevrolet toyota honda nissan cowboys steelers eagles yankees
redsox lakers chicago newyork london paris berlin america canada england germany france
australia mexico brazil india china russia japan`
    .split(/\s+/)
    .filter(Boolean),
);
