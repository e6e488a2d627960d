import type { Rng } from '@chartwatch/random';

/**
 * Name and address pools. Family names are drawn with a Zipf-like weight, as
 * in a real population: a few names (Smith, Johnson) are very common, so many
 * staff share a family name with patients they have never met — the
 * "same surname, different address" look-alike a naive family rule trips on.
 */

export const FAMILY_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes',
  'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper',
  'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson',
  'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes',
  'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez',
  'Powell', 'Jenkins', 'Perry', 'Russell', 'Sullivan', 'Bell', 'Coleman', 'Butler', 'Henderson', 'Barnes',
  'Gonzales', 'Fisher', 'Vasquez', 'Simmons', 'Romero', 'Jordan', 'Patterson', 'Alexander', 'Hamilton', 'Graham',
  'Reynolds', 'Griffin', 'Wallace', 'Moreno', 'West', 'Cole', 'Hayes', 'Bryant', 'Herrera', 'Gibson',
  'Ellis', 'Tran', 'Medina', 'Aguilar', 'Stevens', 'Murray', 'Ford', 'Castro', 'Marshall', 'Owens',
  'Harrison', 'Fernandez', 'McDonald', 'Woods', 'Washington', 'Kennedy', 'Wells', 'Vargas', 'Henry', 'Chen',
  'Freeman', 'Webb', 'Tucker', 'Guzman', 'Burns', 'Crawford', 'Olson', 'Simpson', 'Porter', 'Hunter',
  'Gordon', 'Mendez', 'Silva', 'Shaw', 'Snyder', 'Mason', 'Dixon', 'Munoz', 'Hunt', 'Hicks',
  'Holmes', 'Palmer', 'Wagner', 'Black', 'Robertson', 'Boyd', 'Rose', 'Stone', 'Salazar', 'Fox',
  'Warren', 'Mills', 'Meyer', 'Rice', 'Schmidt', 'Garza', 'Daniels', 'Ferguson', 'Nichols', 'Stephens',
  'Soto', 'Weaver', 'Ryan', 'Gardner', 'Payne', 'Grant', 'Dunn', 'Kelley', 'Spencer', 'Hawkins',
  'Arnold', 'Pierce', 'Vazquez', 'Hansen', 'Peters', 'Santos', 'Hart', 'Bradley', 'Knight', 'Elliott',
  'Cunningham', 'Duncan', 'Armstrong', 'Hudson', 'Carroll', 'Lane', 'Riley', 'Andrews', 'Alvarado', 'Ray',
  'Delgado', 'Berry', 'Perkins', 'Hoffman', 'Johnston', 'Matthews', 'Pena', 'Richards', 'Contreras', 'Willis',
  'Carpenter', 'Lawrence', 'Sandoval', 'Guerrero', 'George', 'Chapman', 'Rios', 'Estrada', 'Ortega', 'Watkins',
  'Greene', 'Nunez', 'Wheeler', 'Valdez', 'Harper', 'Burke', 'Larson', 'Santiago', 'Maldonado', 'Morrison',
  'Franklin', 'Carlson', 'Austin', 'Dominguez', 'Carr', 'Lawson', 'Jacobs', 'Obrien', 'Lynch', 'Singh',
  'Vega', 'Bishop', 'Montgomery', 'Oliver', 'Jensen', 'Harvey', 'Williamson', 'Gilbert', 'Dean', 'Sims',
  'Espinoza', 'Howell', 'Li', 'Wong', 'Reid', 'Hanson', 'Le', 'McCoy', 'Garrett', 'Burton',
  'Fuller', 'Wang', 'Weber', 'Welch', 'Rojas', 'Lucas', 'Marquez', 'Fields', 'Park', 'Yang',
  'Little', 'Banks', 'Padilla', 'Day', 'Walsh', 'Bowman', 'Schultz', 'Luna', 'Fowler', 'Mejia',
  'Davidson', 'Acosta', 'Brewer', 'May', 'Holland', 'Juarez', 'Newman', 'Pearson', 'Curtis', 'Cortez',
  'Douglas', 'Schneider', 'Joseph', 'Barrett', 'Navarro', 'Figueroa', 'Keller', 'Avila', 'Wade', 'Molina',
  'Stanley', 'Hopkins', 'Campos', 'Barnett', 'Bates', 'Chambers', 'Caldwell', 'Beck', 'Lambert', 'Miranda',
  'Byrd', 'Craig', 'Ayala', 'Lowe', 'Frazier', 'Powers', 'Neal', 'Leonard', 'Gregory', 'Carrillo',
  'Sutton', 'Fleming', 'Rhodes', 'Shelton', 'Schwartz', 'Norris', 'Jennings', 'Watts', 'Duran', 'Walters',
  'Cohen', 'McDaniel', 'Moran', 'Parks', 'Steele', 'Vaughn', 'Becker', 'Holt', 'Deleon', 'Barker',
  'Terry', 'Hale', 'Leon', 'Harrell', 'Benson', 'Haynes', 'Horton', 'Miles', 'Lyons', 'Pham',
  'Graves', 'Bush', 'Thornton', 'Wolfe', 'Warner', 'Cabrera', 'McKinney', 'Mann', 'Zimmerman', 'Dawson',
  'Lara', 'Fletcher', 'Page', 'McCarthy', 'Love', 'Robles', 'Cervantes', 'Solis', 'Erickson', 'Reeves',
  'Chang', 'Klein', 'Salinas', 'Fuentes', 'Baldwin', 'Daniel', 'Simon', 'Velasquez', 'Hardy', 'Higgins',
  'Aguirre', 'Lin', 'Cummings', 'Chandler', 'Sharp', 'Barber', 'Bowen', 'Ochoa', 'Dennis', 'Robbins',
  'Liu', 'Ramsey', 'Francis', 'Griffith', 'Paul', 'Blair', 'Oconnor', 'Cardenas', 'Pacheco', 'Cross',
  'Calderon', 'Quinn', 'Moss', 'Swanson', 'Chan', 'Rivas', 'Khan', 'Rodgers', 'Serrano', 'Fitzgerald',
  'Rosales', 'Stevenson', 'Christensen', 'Manning', 'Gill', 'Curry', 'McLaughlin', 'Harmon', 'McGee', 'Gross',
  'Doyle', 'Garner', 'Newton', 'Burgess', 'Reese', 'Walton', 'Blake', 'Trujillo', 'Adkins', 'Brady',
  'Goodman', 'Roman', 'Webster', 'Goodwin', 'Fischer', 'Huang', 'Potter', 'Delacruz', 'Montoya', 'Todd',
  'Wu', 'Hines', 'Mullins', 'Castaneda', 'Malone', 'Cannon', 'Tate', 'Mack', 'Sherman', 'Hubbard',
  'Hodges', 'Zhang', 'Guerra', 'Wolf', 'Valencia', 'Saunders', 'Franco', 'Rowe', 'Gallagher', 'Farmer',
  'Hammond', 'Hampton', 'Townsend', 'Ingram', 'Wise', 'Gallegos', 'Clarke', 'Barton', 'Schroeder', 'Maxwell',
  'Waters', 'Logan', 'Camacho', 'Strickland', 'Norman', 'Person', 'Colon', 'Parsons', 'Frank', 'Harrington',
  'Glover', 'Osborne', 'Buchanan', 'Casey', 'Floyd', 'Patton', 'Ibarra', 'Ball', 'Tyler', 'Suarez',
  'Bowers', 'Orozco', 'Salas', 'Cobb', 'Gibbs', 'Andrade', 'Bauer', 'Conner', 'Moody', 'Escobar',
  'McGuire', 'Lloyd', 'Mueller', 'Hartman', 'French', 'Kramer', 'McBride', 'Pope', 'Lindsey', 'Velazquez',
  'Norton', 'McCormick', 'Sparks', 'Flynn', 'Yates', 'Hogan', 'Marsh', 'Macias', 'Villanueva', 'Zamora',
  'Pratt', 'Stokes', 'Owen', 'Ballard', 'Lang', 'Brock', 'Villarreal', 'Charles', 'Drake', 'Barrera',
  'Cain', 'Patrick', 'Pineda', 'Burnett', 'Mercado', 'Santana', 'Shepherd', 'Bautista', 'Ali', 'Shaffer',
  'Lamb', 'Trevino', 'McKenzie', 'Hess', 'Bender', 'Olsen', 'Cochran', 'Morton', 'Nash', 'Wilkins',
  'Petersen', 'Briggs', 'Shah', 'Roth', 'Nicholson', 'Holloway', 'Lozano', 'Rangel', 'Flowers', 'Hoover',
  'Short', 'Arias', 'Mora', 'Valenzuela', 'Bryan', 'Meyers', 'Weiss', 'Underwood', 'Bass', 'Greer',
  'Summers', 'Houston', 'Carson', 'Morrow', 'Clayton', 'Whitaker', 'Decker', 'Yoder', 'Collier', 'Zuniga',
] as const;

export const GIVEN_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Christopher', 'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra',
  'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle',
  'Kenneth', 'Carol', 'Kevin', 'Amanda', 'Brian', 'Dorothy', 'George', 'Melissa', 'Timothy', 'Deborah',
  'Ronald', 'Stephanie', 'Edward', 'Rebecca', 'Jason', 'Sharon', 'Jeffrey', 'Laura', 'Ryan', 'Cynthia',
  'Jacob', 'Kathleen', 'Gary', 'Amy', 'Nicholas', 'Angela', 'Eric', 'Shirley', 'Jonathan', 'Anna',
  'Stephen', 'Brenda', 'Larry', 'Pamela', 'Justin', 'Emma', 'Scott', 'Nicole', 'Brandon', 'Helen',
  'Benjamin', 'Samantha', 'Samuel', 'Katherine', 'Gregory', 'Christine', 'Alexander', 'Debra', 'Frank', 'Rachel',
  'Patrick', 'Carolyn', 'Raymond', 'Janet', 'Jack', 'Catherine', 'Dennis', 'Maria', 'Jerry', 'Heather',
  'Tyler', 'Diane', 'Aaron', 'Ruth', 'Jose', 'Julie', 'Adam', 'Olivia', 'Nathan', 'Joyce',
  'Henry', 'Virginia', 'Douglas', 'Victoria', 'Zachary', 'Kelly', 'Peter', 'Lauren', 'Kyle', 'Christina',
  'Noah', 'Joan', 'Ethan', 'Evelyn', 'Jeremy', 'Judith', 'Walter', 'Megan', 'Christian', 'Andrea',
  'Keith', 'Cheryl', 'Roger', 'Hannah', 'Terry', 'Jacqueline', 'Austin', 'Martha', 'Sean', 'Gloria',
  'Gerald', 'Teresa', 'Carl', 'Ann', 'Harold', 'Sara', 'Dylan', 'Madison', 'Arthur', 'Frances',
  'Lawrence', 'Kathryn', 'Jordan', 'Janice', 'Jesse', 'Jean', 'Bryan', 'Abigail', 'Billy', 'Alice',
  'Bruce', 'Judy', 'Gabriel', 'Sophia', 'Joe', 'Grace', 'Logan', 'Denise', 'Alan', 'Amber',
  'Juan', 'Doris', 'Albert', 'Marilyn', 'Willie', 'Danielle', 'Elijah', 'Beverly', 'Wayne', 'Isabella',
  'Randy', 'Theresa', 'Vincent', 'Diana', 'Mason', 'Natalie', 'Roy', 'Brittany', 'Ralph', 'Charlotte',
  'Bobby', 'Marie', 'Russell', 'Kayla', 'Bradley', 'Alexis', 'Philip', 'Lori', 'Eugene', 'Priya',
  'Wei', 'Mei', 'Ahmed', 'Fatima', 'Luis', 'Sofia', 'Diego', 'Lucia', 'Omar', 'Aisha',
  'Hiroshi', 'Yuki', 'Raj', 'Ananya', 'Mateo', 'Camila', 'Ivan', 'Olga', 'Kwame', 'Amara',
] as const;

export const STREETS = [
  'Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Washington', 'Lake', 'Hill', 'Park', 'Main',
  'Walnut', 'Spring', 'North', 'Ridge', 'Church', 'Willow', 'Mill', 'Sunset', 'Railroad', 'Jackson',
  'Cherry', 'Highland', 'Franklin', 'Lincoln', 'Meadow', 'Forest', 'River', 'Chestnut', 'Center', 'Madison',
  'Birch', 'Hickory', 'Jefferson', 'Adams', 'Dogwood', 'Sycamore', 'Laurel', 'Valley', 'Prospect', 'Orchard',
] as const;

export const STREET_SUFFIXES = ['St', 'Ave', 'Rd', 'Ln', 'Dr', 'Ct', 'Way', 'Blvd', 'Pl', 'Ter'] as const;

const familyWeights = FAMILY_NAMES.map((_, i) => 1 / (i + 8));

export function pickFamilyName(rng: Rng): string {
  return rng.weighted(FAMILY_NAMES, familyWeights);
}

export function pickGivenName(rng: Rng): string {
  return rng.pick(GIVEN_NAMES);
}

/** Hands out distinct street addresses. */
export class AddressBook {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  next(): string {
    for (;;) {
      const address = `${this.rng.int(1, 9999)} ${this.rng.pick(STREETS)} ${this.rng.pick(STREET_SUFFIXES)}`;
      if (!this.used.has(address)) {
        this.used.add(address);
        return address;
      }
    }
  }
}
